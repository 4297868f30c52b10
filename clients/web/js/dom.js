// A tiny element builder, so panels read as their markup.

// el('li', {class: 'x', dataset: {postId: 'p1'}, onclick: f}, child, 'text')
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

// Sets text only when it changed, so screen readers are not told twice.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

// Re-renders `container` with `render()` and gives focus back to the control
// that had it, matched by `key(element)`: live boards re-render several times
// a second, and a keyboard user must not lose their place.
export function keepFocus(container, key, render) {
  const active = document.activeElement;
  const had = active && container.contains(active) ? key(active) : null;
  render();
  if (had === null) return;
  for (const candidate of container.querySelectorAll('button')) {
    if (key(candidate) === had) {
      candidate.focus({preventScroll: true});
      return;
    }
  }
}
