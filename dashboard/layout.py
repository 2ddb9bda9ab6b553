"""Which screen a page is drawn for: a phone held upright gets its own layout of the pages a
leader opens there (overview, unit), and every page gets type that fits a narrow window.

A phone is known by its browser's User-Agent ("Mobi", as phones' browsers send and tablets'
do not; MDN's advice), read from the request that opened the session; ``?giao-dien=dien-thoai``
or ``=may-tinh`` overrides it, so a link can ask for either layout."""
from __future__ import annotations

import streamlit as st

PARAM = "giao-dien"

# Narrow windows (phones, a split screen): smaller headings, no wasted margins, Plotly's
# modebar never over a chart.
_CSS = """<style>
/* Secondary text dark enough to read (WCAG AA, 4.5:1 on white): Streamlit's captions and
   quotes are a 60% tint of the body text, about 3.5:1. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, blockquote, blockquote p,
[data-testid="stMetricDelta"], [data-testid="stWidgetLabel"] p { color: #4b4b57 !important; }
[data-testid="stCaptionContainer"], blockquote { opacity: 1 !important; }
/* The chart that warms the chart library on the sign-in page is never shown. */
.st-key-warm-charts { display: none !important; }
/* Our invisible scripts (words, session cookie) take no room in the page's flow. */
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) { display: none; }
@media (max-width: 640px) {
  h1 { font-size: 1.75rem !important; line-height: 1.25 !important; }
  h2, h3 { font-size: 1.25rem !important; }
  [data-testid="stMainBlockContainer"] { padding: 3.5rem 0.75rem 2rem 0.75rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
}
</style>"""


def is_phone() -> bool:
    asked = st.query_params.get(PARAM)
    if asked in ("dien-thoai", "may-tinh"):
        return asked == "dien-thoai"
    try:
        return "Mobi" in (st.context.headers.get("User-Agent") or "")
    except Exception:   # no request behind this run (AppTest)
        return False


def style() -> None:
    st.html(_CSS)   # style only: Streamlit puts it in its event container, taking no room


# Words Streamlit's own widgets write in English with no setting to change them (the file
# uploader's button and size line, the tables' toolbar): put in Vietnamese where they appear.
_WORDS = {"Upload": "Chọn tệp", "Browse files": "Chọn tệp", "Drag and drop files here": "Kéo thả tệp vào đây",
          "Download as CSV": "Tải về (CSV)", "Search": "Tìm trong bảng", "Fullscreen": "Phóng to",
          "Close fullscreen": "Thu nhỏ", "Show/hide columns": "Ẩn/hiện cột", "Clear": "Xoá",
          "Remove file": "Bỏ tệp", "Close": "Đóng", "Link to heading": "Liên kết đến mục này",
          "Collapse sidebar": "Thu gọn thanh bên", "Expand sidebar": "Mở thanh bên",
          "Running...": "Đang xử lý…", "Stop": "Dừng", "Connecting": "Đang kết nối", "Please wait...": "Vui lòng chờ…",
          "Page not found": "Không tìm thấy trang",
          "The page that you have requested does not seem to exist. Running the app's main page.":
              "Địa chỉ này không có trang nào; bảng điều khiển mở trang Tổng quan."}
_SCRIPT = """<script>
(() => {
  if (window.__thiduaWords) return;
  const words = %s;
  const size = /^(\\d+(?:[.,]\\d+)?)\\s*([KMG]B) per file/;
  const fix = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.nodeValue.trim();
      if (words[t]) n.nodeValue = n.nodeValue.replace(t, words[t]);
      else if (size.test(t)) n.nodeValue = n.nodeValue.replace(size, "tối đa $1 $2 mỗi tệp");
    }
    if (!root.querySelectorAll) return;
    [root, ...root.querySelectorAll("[aria-label],[title]")].forEach((e) => {
      for (const a of ["aria-label", "title"]) { const v = e.getAttribute(a); if (v && words[v]) e.setAttribute(a, words[v]); }
    });
  };
  // Charts are SVG and hold none of these words. A chart of thousands of cells adds thousands
  // of nodes to one parent in one batch: each distinct place is walked once per batch, never
  // once per added node (that was quadratic, and froze the page on a national overview).
  const chart = (n) => n.nodeType === 1 && (n instanceof SVGElement || n.closest(".js-plotly-plot"));
  window.__thiduaWords = new MutationObserver((records) => {
    const places = new Set();
    records.forEach((r) => {
      if (r.type === "attributes") { const v = r.target.getAttribute(r.attributeName); if (words[v]) r.target.setAttribute(r.attributeName, words[v]); }
      if (r.type === "characterData") places.add(r.target.parentNode || document.body);
      r.addedNodes.forEach((n) => places.add(n.nodeType === 1 ? n : (n.parentNode || document.body)));
    });
    places.forEach((p) => { if (p.isConnected && !chart(p)) fix(p); });
  });
  window.__thiduaWords.observe(document.body, {childList: true, subtree: true, characterData: true,
                                                  attributes: true, attributeFilter: ["aria-label", "title"]});
  fix(document.body);
})();
</script>"""


def localise() -> None:
    """Once per page: a script in the page that translates Streamlit's built-in English."""
    import json

    st.html(_SCRIPT % json.dumps(_WORDS, ensure_ascii=False), unsafe_allow_javascript=True)
