/** Workbook format: markdown ⇄ cells, the ```grpclb action language, and where the files live. Pure (no vscode). */
export * from './cells';
export * from './actions';
export * from './paths';
export * from './notebookData';
export * from './walkthrough';
