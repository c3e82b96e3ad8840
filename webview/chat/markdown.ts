/**
 * A small markdown → DOM renderer for model text. It never uses innerHTML: the parser produces plain blocks and
 * inline runs, and the renderer builds elements with textContent. Supported: paragraphs, headings, bullet and
 * numbered lists, fenced code, inline code, **bold**, *italic*, [text](url) (shown as plain text + URL with a warning,
 * never followed), ![images](url) (never loaded: shown as "[image not shown …]"), shell commands (plain text with a
 * warning), and source references `path/file.ext:123`, which become links the host opens.
 */

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'source'; file: string; line: number; v: string }
  | { t: 'link'; text: string; href: string }
  | { t: 'image'; alt: string; href: string };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'ul' | 'ol'; items: Inline[][] }
  | { t: 'pre'; lang: string; v: string };

/** `file.ext:line` with a path-ish file name (letters, digits, ./_-) and a known-looking extension */
const SOURCE_RE = /((?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\.[A-Za-z0-9]{1,8}):(\d{1,7})\b/g;

function sourcesIn(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  SOURCE_RE.lastIndex = 0;
  for (let m = SOURCE_RE.exec(text); m; m = SOURCE_RE.exec(text)) {
    if (/^\d+(\.\d+)+$/.test(m[1]!)) continue; // 1.2.3:4 is not a file
    if (m.index > last) out.push({ t: 'text', v: text.slice(last, m.index) });
    out.push({ t: 'source', file: m[1]!, line: Number(m[2]), v: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ t: 'text', v: text.slice(last) });
  return out;
}

export function parseInline(s: string): Inline[] {
  const out: Inline[] = [];
  let i = 0;
  let buf = '';
  const flush = () => {
    if (buf) out.push(...sourcesIn(buf));
    buf = '';
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i) {
        flush();
        const v = s.slice(i + 1, end);
        const src = sourcesIn(v);
        out.push(src.length === 1 && src[0]!.t === 'source' ? src[0]! : { t: 'code', v });
        i = end + 1;
        continue;
      }
    }
    if (ch === '*' && s[i + 1] === '*') {
      const end = s.indexOf('**', i + 2);
      if (end > i + 2) {
        flush();
        out.push({ t: 'strong', c: parseInline(s.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && s[i + 1] !== ch && s[i + 1] !== ' ') {
      const end = s.indexOf(ch, i + 1);
      if (end > i + 1 && s[end - 1] !== ' ' && (ch === '*' || !/\w/.test(s[i - 1] ?? ''))) {
        flush();
        out.push({ t: 'em', c: parseInline(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === '!' && s[i + 1] === '[') {
      const m = /^!\[([^\]]{0,300})\]\(([^)\s]{0,500})\)/.exec(s.slice(i));
      if (m) {
        flush();
        out.push({ t: 'image', alt: m[1]!, href: m[2]! });
        i += m[0].length;
        continue;
      }
    }
    if (ch === '[') {
      const m = /^\[([^\]]{1,300})\]\(([^)\s]{1,500})\)/.exec(s.slice(i));
      if (m) {
        flush();
        const src = sourcesIn(m[2]!);
        if (src.length === 1 && src[0]!.t === 'source') out.push({ ...src[0]!, v: m[1]! } as Inline);
        else out.push({ t: 'link', text: m[1]!, href: m[2]! });
        i += m[0].length;
        continue;
      }
    }
    buf += ch;
    i++;
  }
  flush();
  return out;
}

export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const endPara = () => {
    if (para.length) blocks.push({ t: 'p', c: parseInline(para.join(' ')) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      endPara();
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) body.push(lines[i++]!);
      blocks.push({ t: 'pre', lang: fence[2] ?? '', v: body.join('\n') });
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      endPara();
      blocks.push({ t: 'h', level: Math.min(4, h[1]!.length), c: parseInline(h[2]!) });
      continue;
    }
    const li = /^\s*([-*+]|\d{1,3}[.)])\s+(.*)$/.exec(line);
    if (li) {
      endPara();
      const kind = /\d/.test(li[1]!) ? 'ol' : 'ul';
      const prev = blocks[blocks.length - 1];
      const item = parseInline(li[2]!);
      if (prev && prev.t === kind && lines[i - 1]?.trim() !== '') prev.items.push(item);
      else blocks.push({ t: kind, items: [item] });
      continue;
    }
    if (!line.trim()) {
      endPara();
      continue;
    }
    // continuation of a list item
    const prev = blocks[blocks.length - 1];
    if (!para.length && prev && (prev.t === 'ul' || prev.t === 'ol') && /^\s{2,}\S/.test(line)) {
      prev.items[prev.items.length - 1]!.push({ t: 'text', v: ' ' }, ...parseInline(line.trim()));
      continue;
    }
    para.push(line.trim());
  }
  endPara();
  return blocks;
}

export interface RenderHooks {
  onSource(file: string, line: number): void;
}

function renderInline(doc: Document, parent: HTMLElement, runs: Inline[], hooks: RenderHooks): void {
  for (const r of runs) {
    switch (r.t) {
      case 'text':
        parent.appendChild(doc.createTextNode(r.v));
        break;
      case 'code': {
        const e = doc.createElement('code');
        e.textContent = r.v;
        parent.appendChild(e);
        if (looksLikeCommand(r.v)) {
          e.classList.add('untrusted-command');
          parent.appendChild(warn(doc, 'command from the model: review it before running it'));
        }
        break;
      }
      case 'strong':
      case 'em': {
        const e = doc.createElement(r.t === 'strong' ? 'strong' : 'em');
        renderInline(doc, e, r.c, hooks);
        parent.appendChild(e);
        break;
      }
      case 'source': {
        const a = sourceLink(doc, r.v, r.file, r.line, hooks);
        parent.appendChild(a);
        break;
      }
      case 'link': {
        // not followed: model-provided URLs are shown as plain text with a warning, never opened
        const e = doc.createElement('span');
        e.className = 'md-link untrusted';
        e.textContent = r.text === r.href ? r.href : `${r.text} <${r.href}>`;
        e.title = 'Link written by the model: not opened from here. Check it before visiting it.';
        parent.append(e, warn(doc, 'link from the model, not opened'));
        break;
      }
      case 'image': {
        // markdown images are never loaded (they could leak data to a server); show what it was
        const e = doc.createElement('span');
        e.className = 'md-image untrusted';
        e.textContent = `[image not shown${r.alt ? `: ${r.alt}` : ''} <${r.href}>]`;
        parent.appendChild(e);
        break;
      }
    }
  }
}

/** Shell commands a model may suggest: shown as plain text with a warning, never as something to click or run. */
const COMMAND_RE = /(^|[\s;&|(`$])(sudo|curl|wget|rm|chmod|chown|dd|mkfs|bash|sh|zsh|powershell|pwsh|iex|invoke-expression|invoke-webrequest|kubectl|docker|helm|systemctl|kill|pkill|killall|npm|npx|pip|pip3|python3?\s+-c|node\s+-e|eval|ssh|scp|nc|ncat|apt(-get)?|yum|brew|git\s+(push|reset|clean))\b|\|\s*(ba|z)?sh\b|>\s*\/dev\/|:\(\)\s*\{/i;

export function looksLikeCommand(text: string): boolean {
  return COMMAND_RE.test(text.trim());
}

function warn(doc: Document, text: string): HTMLElement {
  const w = doc.createElement('span');
  w.className = 'untrusted-warning';
  w.textContent = ` ⚠ ${text}`;
  return w;
}

export function sourceLink(doc: Document, text: string, file: string, line: number, hooks: RenderHooks): HTMLElement {
  const a = doc.createElement('a');
  a.className = 'source-link';
  a.href = '#';
  a.textContent = text;
  a.title = `Open ${file} at line ${line}`;
  a.addEventListener('click', (ev) => {
    ev.preventDefault();
    hooks.onSource(file, line);
  });
  return a;
}

export function renderMarkdown(doc: Document, text: string, hooks: RenderHooks): DocumentFragment {
  const frag = doc.createDocumentFragment();
  for (const b of parseMarkdown(text)) {
    let el: HTMLElement;
    if (b.t === 'p') {
      el = doc.createElement('p');
      renderInline(doc, el, b.c, hooks);
    } else if (b.t === 'h') {
      el = doc.createElement(`h${b.level + 2 > 6 ? 6 : b.level + 2}`);
      renderInline(doc, el, b.c, hooks);
    } else if (b.t === 'pre') {
      el = doc.createElement('pre');
      const code = doc.createElement('code');
      code.textContent = b.v;
      el.appendChild(code);
      if (/^(sh|bash|zsh|shell|console|terminal|powershell|ps1|pwsh|cmd|bat)$/i.test(b.lang) || looksLikeCommand(b.v)) {
        el.classList.add('untrusted-command');
        frag.appendChild(warn(doc, 'commands from the model: plain text, review them before running anything'));
      }
    } else {
      el = doc.createElement(b.t);
      for (const item of b.items) {
        const li = doc.createElement('li');
        renderInline(doc, li, item, hooks);
        el.appendChild(li);
      }
    }
    frag.appendChild(el);
  }
  return frag;
}
