// media-chrome under a strict Content-Security-Policy (no inline style).
//
// Each media-chrome element renders its shadow tree from an HTML string that holds
// <style> elements (some inside declarative shadow roots of nested elements), and
// later changes rules in those sheets (the seek bar's progress, where the preview
// sits). The policy refuses inline style, so this script, loaded before the library,
// takes the text out of every such <style> and adopts it as a constructed
// CSSStyleSheet by the shadow root the <style> lands in (constructed sheets are not
// inline markup; the policy lets them apply). The emptied <style> stays (the policy
// allows exactly the empty one, by its hash; web/headers.py), of a type that is not
// CSS, with its `sheet` pointing at the adopted sheet, so the library's own rule
// edits land where they take effect.
"use strict";

(function () {
  if (typeof ShadowRoot === "undefined" || typeof CSSStyleSheet === "undefined") return;
  const proto = ShadowRoot.prototype;
  const innerHTML = Object.getOwnPropertyDescriptor(proto, "innerHTML");
  if (!innerHTML || !innerHTML.set || !("adoptedStyleSheets" in proto)) return;
  const STYLE = /<style([^>]*)>([\s\S]*?)<\/style>/gi;
  const MEDIA = /\bmedia="([^"]*)"/i;
  const MARK = "data-adopted-style";

  function withoutStyles(html) {
    const texts = [];
    const rest = String(html).replace(STYLE, function (_, attributes, text) {
      const media = MEDIA.exec(attributes);
      texts.push({ text: text, media: media ? media[1] : "" });
      return "<style" + attributes + ' type="text/x-adopted" ' + MARK + '="' + (texts.length - 1) + '"></style>';
    });
    return { html: rest, texts: texts };
  }

  // Placeholders in ``root`` and in the declarative shadow roots inside it.
  function placeholders(root, found) {
    root.querySelectorAll("style[" + MARK + "]").forEach(function (el) { found.push(el); });
    root.querySelectorAll("*").forEach(function (el) {
      if (el.shadowRoot) placeholders(el.shadowRoot, found);
    });
    return found;
  }

  function adopt(root, texts) {
    const byRoot = new Map();
    placeholders(root, []).forEach(function (element) {
      const style = texts[Number(element.getAttribute(MARK))];
      if (!style) return;
      const sheet = style.media ? new CSSStyleSheet({ media: style.media }) : new CSSStyleSheet();
      try { sheet.replaceSync(style.text); } catch (error) { return; }
      element.removeAttribute(MARK);
      Object.defineProperty(element, "sheet", { configurable: true, get: function () { return sheet; } });
      const owner = element.getRootNode();
      if (!byRoot.has(owner)) byRoot.set(owner, []);
      byRoot.get(owner).push(sheet);
    });
    byRoot.forEach(function (sheets, owner) { owner.adoptedStyleSheets = sheets; });
  }

  function render(root, html, write) {
    const parts = withoutStyles(html);
    write(parts.html);
    if (parts.texts.length) adopt(root, parts.texts);
  }

  Object.defineProperty(proto, "innerHTML", {
    configurable: true,
    enumerable: innerHTML.enumerable,
    get: innerHTML.get,
    set: function (html) {
      const root = this;
      render(root, html, function (text) { innerHTML.set.call(root, text); });
    },
  });
  if (typeof proto.setHTMLUnsafe === "function") {
    const setHTMLUnsafe = proto.setHTMLUnsafe;
    proto.setHTMLUnsafe = function (html) {
      const root = this;
      render(root, html, function (text) { setHTMLUnsafe.call(root, text); });
    };
  }
})();
