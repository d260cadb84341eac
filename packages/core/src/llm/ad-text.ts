/**
 * The seed's post-processing of a generated ad (spec §7.2): trimmed, without double quotes, its
 * lines joined with single spaces. Markdown emphasis and heading marks, which chat models like to
 * add, go too, since the text is shown as plain text.
 */
export function cleanAdText(reply: string): string {
  return reply
    .replace(/["\u201C\u201D\u201E]/g, '')
    .replace(/\*\*|__|^#+\s*/gm, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}
