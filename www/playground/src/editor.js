// The rules editor: CodeMirror 6 with JSON, the core's validation problems as lint
// markers at their line and column, completion of the names the rules declare, and
// completion + hover docs from the rules format's JSON Schema (rules.schema.json, which
// main.js fetches at start-up and hands over with setSchema; without it that part is off).
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { hoverTooltip, Decoration, ViewPlugin } from '@codemirror/view';
import { RangeSetBuilder } from '@codemirror/state';
import { json, jsonLanguage } from '@codemirror/lang-json';
import { linter, lintGutter, forceLinting, forEachDiagnostic } from '@codemirror/lint';
import { syntaxTree, ensureSyntaxTree } from '@codemirror/language';
import { jsonCompletion, jsonSchemaHover, stateExtensions, updateSchema, getJSONSchema } from 'codemirror-json-schema';

const OPS = ['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'];
const BUILTIN_EVENTS = ['page_view', 'form_start', 'form_submit', 'form_abandon', 'identify'];
const LEAVES = new Set(['String', 'Number', 'PropertyName', 'True', 'False', 'Null']);

/**
 * Wrapped lines continue under their own indentation (plus two columns) rather than at
 * the left edge, so long rules stay readable without horizontal scrolling.
 */
const hangingIndent = ViewPlugin.fromClass(
  class {
    constructor(view) {
      this.decorations = this.build(view);
    }
    update(u) {
      if (u.docChanged || u.viewportChanged) this.decorations = this.build(u.view);
    }
    build(view) {
      const b = new RangeSetBuilder();
      const cache = new Map();
      for (const { from, to } of view.visibleRanges) {
        for (let pos = from; pos <= to;) {
          const line = view.state.doc.lineAt(pos);
          const n = /^[ \t]*/.exec(line.text)[0].length + 2;
          if (!cache.has(n)) {
            cache.set(n, Decoration.line({ attributes: { style: `padding-left: calc(${n}ch + 6px); text-indent: -${n}ch` } }));
          }
          b.add(line.from, line.from, cache.get(n));
          pos = line.to + 1;
        }
      }
      return b.finish();
    }
  },
  { decorations: (v) => v.decorations },
);

/** Document offset of a 1-based line and 1-based column counted in Unicode code points. */
export function posOf(doc, line, column) {
  if (line > doc.lines) return doc.length;
  const l = doc.line(Math.max(1, line));
  let off = 0;
  let cp = 1;
  for (const ch of l.text) {
    if (cp >= column) break;
    off += ch.length;
    cp++;
  }
  return l.from + off;
}

function tree(state) {
  return ensureSyntaxTree(state, state.doc.length, 200) || syntaxTree(state);
}

/** `rules[3].when.page` → ['rules', 3, 'when', 'page']. */
export function splitPath(path) {
  const out = [];
  for (const m of String(path).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

function keyText(state, node) {
  const raw = state.doc.sliceString(node.from, node.to);
  try {
    return JSON.parse(raw);
  } catch {
    return raw.replace(/^"|"$/g, '');
  }
}

function values(node) {
  const out = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.type.isError === false && !/^[[\]{},:]$/.test(c.name)) out.push(c);
  return out;
}

/** The syntax node of a JSON path (or of its deepest existing ancestor), or null. */
export function nodeAtPath(state, path) {
  let node = tree(state).topNode.firstChild;
  for (const seg of splitPath(path)) {
    if (!node) return null;
    let next = null;
    if (typeof seg === 'number' && node.name === 'Array') {
      next = values(node)[seg] || null;
    } else if (node.name === 'Object') {
      for (const prop of node.getChildren('Property')) {
        const name = prop.getChild('PropertyName');
        if (name && keyText(state, name) === String(seg)) {
          next = prop.lastChild && prop.lastChild.name !== ':' && prop.lastChild !== name ? prop.lastChild : name;
        }
      }
    }
    if (!next) return node;
    node = next;
  }
  return node;
}

function rangeAt(state, pos) {
  const node = tree(state).resolveInner(pos, 1);
  if (node.from === pos && LEAVES.has(node.name)) return { from: pos, to: node.to };
  const line = state.doc.lineAt(pos);
  if (pos < line.to) return { from: pos, to: pos + 1 };
  if (pos > line.from) return { from: pos - 1, to: pos };
  return { from: pos, to: pos };
}

/** A core problem ({code, path, line, column, message}) as a CodeMirror diagnostic. */
export function toDiagnostic(state, p) {
  let pos = 0;
  if (typeof p.line === 'number' && p.line > 0) {
    pos = posOf(state.doc, p.line, p.column || 1);
  } else if (p.path) {
    const node = nodeAtPath(state, p.path);
    pos = node ? node.from : 0;
  }
  const { from, to } = rangeAt(state, pos);
  const where = p.path ? `${p.path}: ` : '';
  return { from, to, severity: 'error', source: `leadscore ${p.code}`, message: where + p.message };
}

/**
 * The schema with its local `$ref`s (`#/definitions/…`) replaced by what they point at:
 * codemirror-json-schema (json-schema-library 9) finds no property docs under an array's
 * `items` `$ref` (`rules[0].maxCount` comes back as a bare `{"type":"number"}`).
 */
export function inlineRefs(schema) {
  const walk = (s, seen) => {
    if (Array.isArray(s)) return s.map((x) => walk(x, seen));
    if (!s || typeof s !== 'object') return s;
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#/') && !seen.includes(s.$ref)) {
      const target = s.$ref.slice(2).split('/').reduce((o, k) => (o && typeof o === 'object' ? o[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), schema);
      if (target && typeof target === 'object') {
        const { $ref, ...rest } = s;
        return walk({ ...target, ...rest }, [...seen, $ref]);
      }
    }
    const out = {};
    for (const [k, v] of Object.entries(s)) if (!(s === schema && k === 'definitions')) out[k] = walk(v, seen);
    return out;
  };
  return walk(schema, []);
}

/** Schema docs on hover, except over a problem: there the lint tooltip says what is wrong. */
function schemaHover() {
  const docs = jsonSchemaHover({ formatHover });
  return (view, pos, side) => {
    let onProblem = false;
    forEachDiagnostic(view.state, (d, from, to) => {
      if (from <= pos && pos <= to) onProblem = true;
    });
    return onProblem ? null : docs(view, pos, side);
  };
}

/** Builds the hover docs from the schema as plain text (never HTML). */
function formatHover({ message, typeInfo }) {
  const box = document.createElement('div');
  box.className = 'cm6-json-schema-hover';
  if (message) {
    const d = document.createElement('div');
    d.className = 'cm6-json-schema-hover--description';
    // `code` spans become <code> elements; everything else stays text.
    String(message).split('`').forEach((part, i) => {
      if (i % 2 === 0) d.append(part);
      else d.append(Object.assign(document.createElement('code'), { textContent: part }));
    });
    box.append(d);
  }
  if (typeInfo) {
    const c = document.createElement('code');
    c.className = 'cm6-json-schema-hover--code';
    c.textContent = String(typeInfo).replace(/`/g, '');
    box.append(c);
  }
  return box;
}

/**
 * Completion of names the rules declare: categories for a rule's `category`, page
 * categories for `page`, event types for `event`, operators for `op` and event fields for
 * a `where` condition's `field`. `info()` returns {categories, pageCategories, eventTypes}.
 */
function declaredNames(info) {
  return (ctx) => {
    const node = tree(ctx.state).resolveInner(ctx.pos, -1);
    if (node.name !== 'String' || node.parent?.name !== 'Property') return null;
    const name = node.parent.getChild('PropertyName');
    if (!name) return null;
    const key = keyText(ctx.state, name);
    const ancestors = [];
    for (let n = node.parent.parent; n; n = n.parent) {
      if (n.name === 'Property') {
        const k = n.getChild('PropertyName');
        if (k) ancestors.push(keyText(ctx.state, k));
      }
    }
    const top = ancestors[ancestors.length - 1];
    const data = info();
    let options = null;
    if (key === 'category' && top === 'rules') options = data.categories.map((c) => ({ label: c, type: 'enum', detail: 'category' }));
    else if (key === 'page' && top === 'rules') options = data.pageCategories.map((c) => ({ label: c, type: 'enum', detail: 'page category' }));
    else if (key === 'event') {
      const all = new Set([...BUILTIN_EVENTS, ...data.eventTypes]);
      options = [...all].map((c) => ({ label: c, type: 'enum', detail: 'event type' }));
    } else if (key === 'op') options = OPS.map((c) => ({ label: c, type: 'keyword', detail: 'operator' }));
    else if (key === 'field' && ancestors[0] === 'where') {
      options = ['url', 'form', 'page', ...data.props.map((p) => `props.${p}`)].map((c) => ({ label: c, type: 'property', detail: 'event field' }));
    }
    if (!options || !options.length) return null;
    const text = ctx.state.doc.sliceString(node.from, node.to);
    const closed = text.length > 1 && text.endsWith('"');
    return {
      from: node.from + 1,
      to: closed ? node.to - 1 : ctx.pos,
      options,
      validFor: /^[\w\-. ]*$/,
    };
  };
}

/**
 * Creates the editor in `parent`. `check(text)` returns the core's problems (cached by
 * the caller); `onChange(text)` runs on every document change; `info()` feeds completion.
 */
export function createEditor({ parent, doc, check, onChange, info, label }) {
  // The library's source answers [] rather than null when there is no schema yet.
  const schemaSource = jsonCompletion();
  const fromSchema = (ctx) => {
    const r = getJSONSchema(ctx.state) ? schemaSource(ctx) : null;
    return r && !Array.isArray(r) && Array.isArray(r.options) ? r : null;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        hangingIndent,
        json(),
        lintGutter(),
        linter((v) => check(v.state.doc.toString()).map((p) => toDiagnostic(v.state, p)), { delay: 120 }),
        jsonLanguage.data.of({ autocomplete: declaredNames(info) }),
        jsonLanguage.data.of({ autocomplete: fromSchema }),
        hoverTooltip(schemaHover()),
        stateExtensions(undefined),
        EditorView.contentAttributes.of({ 'aria-label': label || 'Rules (JSON)' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setSchema(schema) {
      updateSchema(view, inlineRefs(schema));
    },
    relint() {
      forceLinting(view);
    },
    /** Puts the cursor on a problem and focuses the editor. */
    reveal(p) {
      const d = toDiagnostic(view.state, p);
      view.dispatch({ selection: { anchor: d.from, head: d.to }, scrollIntoView: true });
      view.focus();
    },
  };
}
