// The one module that knows which component library the panel uses (@vscode/webview-ui-toolkit
// today; @vscode-elements/elements is its drop-in successor). Everything else asks for a button.
import { provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeDivider } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeBadge(), vsCodeDivider());

/** A themed button. `primary` for the main action, `secondary` otherwise, `icon` for glyph-only. */
export function button(label: string, onClick: () => void, appearance: 'primary' | 'secondary' | 'icon' = 'secondary', title = label): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.setAttribute('title', title);
  b.setAttribute('aria-label', title);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/** A small count or status chip. */
export function badge(text: string): HTMLElement {
  const b = document.createElement('vscode-badge');
  b.textContent = text;
  return b;
}

export function divider(): HTMLElement {
  return document.createElement('vscode-divider');
}
