export { INPUTS_TIP, inputsFromTips, inputsTip } from '../../../core/io/inputs-tip';

/**
 * A task as AIP carries it: Galaxy's text, `Task Description: <description>\nTips for
 * Completion:\n - <tip>\n - <tip>` (or `No tips available.`). No structured inputs travel in
 * AIP; Constellation carries them as one tip, `constellation-inputs: {json}`.
 */

const DESCRIPTION = 'Task Description: ';
const TIPS = '\nTips for Completion:\n';
const NO_TIPS = 'No tips available.';
const TIP = ' - ';

/** A task's words: what Galaxy sends and what Constellation reads back. */
export interface TaskText {
  readonly description: string;
  readonly tips: readonly string[];
}

/** Galaxy's request text for a task, character for character. */
export function formatTaskText(t: TaskText): string {
  const tips = t.tips.length > 0 ? t.tips.map((tip) => `${TIP}${tip}`).join('\n') : NO_TIPS;
  return `${DESCRIPTION}${t.description}${TIPS}${tips}`;
}

/**
 * Reads Galaxy's text back into a description and tips. The description may span lines (the
 * last `Tips for Completion:` line ends it); a line that does not start a tip continues the one
 * before. Text in no known shape is a description without tips.
 */
export function parseTaskText(text: string): TaskText {
  const body = text.startsWith(DESCRIPTION) ? text.slice(DESCRIPTION.length) : text;
  const at = body.lastIndexOf(TIPS);
  if (at < 0) return { description: body, tips: [] };
  const description = body.slice(0, at);
  const rest = body.slice(at + TIPS.length);
  if (rest.trim() === NO_TIPS || rest.trim() === '') return { description, tips: [] };
  const tips: string[] = [];
  for (const line of rest.split('\n')) {
    if (line.startsWith(TIP)) tips.push(line.slice(TIP.length));
    else if (tips.length > 0) tips[tips.length - 1] += `\n${line}`;
    else tips.push(line.trimStart().replace(/^- /, ''));
  }
  return { description, tips };
}

