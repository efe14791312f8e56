// Stands in for codemirror-json-schema's markdown renderer (markdown-it + shiki, ~800 KB)
// in the playground bundle; see vite.config.js. The schema's descriptions are short
// prose, so the text is escaped and only `code` spans become markup.
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

export function renderMarkdown(markdown, inline = true) {
  const html = escape(markdown).replace(/`([^`]+)`/g, '<code>$1</code>');
  return inline ? html : `<p>${html}</p>`;
}
