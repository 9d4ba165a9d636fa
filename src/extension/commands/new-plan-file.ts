import * as vscode from 'vscode';

/** Writes `<base>.constellation.json` in the first workspace folder, never over a file. */
export async function writeNewPlan(base: string, text: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: text });
    return doc.uri;
  }
  const safe = base.replace(/[^A-Za-z0-9_.-]/g, '-') || 'plan';
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(folder, i === 1 ? `${safe}.constellation.json` : `${safe}-${i}.constellation.json`);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      return uri;
    }
  }
}
