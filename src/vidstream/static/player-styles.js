// media-chrome under a strict Content-Security-Policy (no inline style).
//
// Each media-chrome element renders its shadow tree from an HTML string that holds a
// <style>, and later changes rules in that element's sheet (the seek bar's progress,
// where the preview sits). The policy refuses inline <style>, so this script, loaded
// before the library, moves each such sheet into a constructed CSSStyleSheet adopted
// by the same shadow root (constructed sheets are not inline markup, so the policy
// lets them apply). The <style> element stays, inert (a type that is not CSS, so the
// browser neither applies nor checks it), with its `sheet` pointing at the adopted
// one, so the library's own rule edits land where they take effect.
"use strict";

(function () {
  if (typeof ShadowRoot === "undefined" || typeof CSSStyleSheet === "undefined") return;
  const proto = ShadowRoot.prototype;
  const innerHTML = Object.getOwnPropertyDescriptor(proto, "innerHTML");
  if (!innerHTML || !innerHTML.set || !("adoptedStyleSheets" in proto)) return;
  const STYLE = /<style([^>]*)>([\s\S]*?)<\/style>/gi;
  const MEDIA = /\bmedia="([^"]*)"/i;

  function withoutStyles(html) {
    const found = [];
    const rest = String(html).replace(STYLE, function (_, attributes, text) {
      const media = MEDIA.exec(attributes);
      found.push({ text: text, media: media ? media[1] : "" });
      return "<style" + attributes + ' type="text/x-adopted"></style>';
    });
    return { html: rest, styles: found };
  }

  function adopt(root, styles) {
    const elements = root.querySelectorAll('style[type="text/x-adopted"]');
    const sheets = [];
    styles.forEach(function (style, index) {
      const sheet = style.media ? new CSSStyleSheet({ media: style.media }) : new CSSStyleSheet();
      try { sheet.replaceSync(style.text); } catch (error) { return; }
      sheets.push(sheet);
      const element = elements[index];
      if (element) Object.defineProperty(element, "sheet", { configurable: true, get: function () { return sheet; } });
    });
    root.adoptedStyleSheets = sheets;
  }

  function render(root, html, write) {
    const parts = withoutStyles(html);
    write(parts.html);
    if (parts.styles.length) adopt(root, parts.styles);
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
