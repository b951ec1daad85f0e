// Unit checks of the shared escaping helper (frontend/escape.js). Run: npm test
import assert from "node:assert/strict";
import { test } from "node:test";

import { escapeHtml, safeUrl } from "./escape.js";

test("markup characters become entities", () => {
  assert.equal(escapeHtml(`顺发<img src=x onerror="alert(1)">`),
    "顺发&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  assert.equal(escapeHtml("a & b"), "a &amp; b");
  assert.equal(escapeHtml("it's `x`"), "it&#39;s &#96;x&#96;");
});

test("a closing script tag cannot end a script block", () => {
  assert.equal(escapeHtml("</script><script>alert(1)</script>"),
    "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
});

test("an attribute breakout stays inside the quoted value", () => {
  const escaped = escapeHtml(`"><svg onload=alert(1)>`);
  assert.equal(escaped, "&quot;&gt;&lt;svg onload=alert(1)&gt;");
  assert.ok(!escaped.includes('"') && !escaped.includes("<") && !escaped.includes(">"));
});

test("entities already in the text are escaped again, not decoded", () => {
  assert.equal(escapeHtml("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
});

test("empty values, numbers and plain Chinese text", () => {
  assert.equal(escapeHtml(null), "");
  assert.equal(escapeHtml(undefined), "");
  assert.equal(escapeHtml(0), "0");
  assert.equal(escapeHtml(12.5), "12.5");
  assert.equal(escapeHtml("联华超市 文三路100号"), "联华超市 文三路100号");
});

test("safeUrl keeps same-origin paths and http(s) links", () => {
  assert.equal(safeUrl("/m/visit/abc/"), "/m/visit/abc/");
  assert.equal(safeUrl("?page=2"), "?page=2");
  assert.equal(safeUrl("https://example.com/x"), "https://example.com/x");
  assert.equal(safeUrl("HTTP://example.com"), "HTTP://example.com");
});

test("safeUrl refuses script and data URLs in any spelling", () => {
  for (const url of ["javascript:alert(1)", " JavaScript:alert(1)", "java\nscript:alert(1)",
    "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x",
    "//evil.example/x", "", null]) {
    assert.equal(safeUrl(url), "#", String(url));
  }
});
