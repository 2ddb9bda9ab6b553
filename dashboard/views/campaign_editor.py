"""Soạn phong trào (admins): start a campaign from its directive — pasted, or a .txt/.docx/.pdf
file — or open a published one; review the campaign's facts and every indicator (the catalog's
own checks beside each row, the sentence each came from highlighted), its clusters, allocate
the targets with a workbook, and publish: the catalog files are written, the reference tables
published and the campaign's gold rebuilt, with a version kept that can be viewed and restored."""
import html
from datetime import date

import polars as pl
import streamlit as st

from dashboard import auth, campaigns, present, uploads
from lakehouse.periods import PERIOD_TYPE_VI
from lakehouse.reference import allocation, directive, editing
from lakehouse.reference.catalog import UNIT_TYPES
from lakehouse.rules import RULE_NAMES_VI

account = auth.require("admin")
st.title("Soạn phong trào")
st.caption("Đọc văn bản phát động hoặc mở một phong trào đã có; rà soát thông tin, chỉ tiêu, cụm thi đua; giao chỉ tiêu "
           "bằng tệp Excel; rồi công bố. Mọi con số được đề xuất đều có trong câu được trích.")
cat = uploads.catalog()
S = st.session_state
choice = st.column_config
DAY = {"format": "DD/MM/YYYY", "min_value": date(2000, 1, 1), "max_value": date(2100, 12, 31)}
FIELDS = {"name": "cp_name", "short_name": "cp_short", "document": "cp_document", "issuer": "cp_issuer",
          "scope_unit": "cp_scope", "issued_on": "cp_issued", "start": "cp_start", "counted_from": "cp_counted",
          "end": "cp_end", "theme": "cp_theme", "report_due_days": "cp_due"}
STONES = (("mid_term", "Sơ kết"), ("final", "Tổng kết"))
DIRECTION_VI = {"decrease": "giảm", "increase": "tăng"}
ACCUMULATION_VI = {"level": "số tại thời điểm", "cumulative": "lũy kế"}
ROW_TYPES = {c: pl.Float64 for c in ("value", "low", "high", "per", "weight")} | {"aggregate": pl.Boolean}


def start(entry: dict, rows: list[dict], clusters: list[dict], source: str, text: str | None, existing: bool):
    """Put a draft on screen: the form's fields, the indicator table, the clusters."""
    for key, widget in FIELDS.items():
        S[widget] = entry.get(key) if key != "report_due_days" else int(entry.get(key) or 10)
    for kind, _ in STONES:
        m = next((m for m in entry.get("milestones") or [] if m["kind"] == kind), {})
        S[f"cp_{kind}_start"], S[f"cp_{kind}_end"] = m.get("start"), m.get("end")
        S[f"cp_{kind}_period"], S[f"cp_{kind}_name"] = str(m.get("period") or ""), m.get("name") or dict(STONES)[kind]
        S[f"cp_{kind}_loaded"] = m
    S["cp_draft_code"], S["cp_existing"], S["cp_source"], S["cp_directive"] = entry["code"], existing, source, text
    S["cp_rows"] = pl.DataFrame(rows, schema_overrides=ROW_TYPES, infer_schema_length=None)
    S["cp_cluster_rows"] = pl.DataFrame([{"code": c["code"], "name": c["name"], "members": ", ".join(c["members"])}
                                         for c in clusters], schema={"code": pl.String, "name": pl.String,
                                                                     "members": pl.String})
    for key in ("cp_editor", "cp_clusters", "cp_allocation", "cp_alloc_file", "cp_allocation_of", "cp_one"):
        S.pop(key, None)


def fold_edits(change=None):
    """Keep the table's unsaved edits when the draft is changed from outside the table."""
    rows = S.get("cp_current", S["cp_rows"])
    if change is not None:
        rows = change(rows)
    S["cp_rows"] = rows
    S.pop("cp_editor", None)


def load_one():
    """The chosen indicator's values into the small form."""
    row = S["cp_current"].filter(pl.col("code") == S["cp_one"]).row(0, named=True)
    S["cp_one_name"], S["cp_one_uom"], S["cp_one_rule"], S["cp_one_value"] = (
        row["name"] or "", row["uom"], row["rule_type"], row["value"])


def save_one():
    one, values = S["cp_one"], {c: S[f"cp_one_{c}"] for c in ("name", "uom", "rule", "value")}
    fold_edits(lambda r: r.with_columns(
        pl.when(pl.col("code") == one).then(pl.lit(values[k], dtype)).otherwise(pl.col(col)).alias(col)
        for col, k, dtype in (("name", "name", pl.String), ("uom", "uom", pl.String),
                              ("rule_type", "rule", pl.String), ("value", "value", pl.Float64))))


mode = st.radio("Bắt đầu từ", ["Văn bản phát động mới", "Phong trào đã có"], horizontal=True, key="cp_mode")
if mode == "Văn bản phát động mới":
    left, right = st.columns([1, 2])
    code = left.text_input("Mã phong trào mới", key="cp_code", placeholder="ví dụ TPLS2025").strip().upper()
    sent = right.file_uploader("Văn bản (.txt, .docx, .pdf có lớp chữ)", type=["txt", "docx", "pdf"], key="cp_file")
    pasted = st.text_area("…hoặc dán nội dung văn bản", key="cp_text", height=150)
    taken = code in cat.campaigns
    if taken:
        st.warning(f"Mã {code} đã có trong danh mục; chọn “Phong trào đã có” để sửa, hoặc đặt mã khác.")
    if st.button("Đọc văn bản", type="primary", disabled=not code or taken or not (sent or pasted.strip())):
        try:
            text = directive.load_text(sent.name, sent.getvalue()) if sent else pasted
        except directive.DirectiveError as exc:
            st.error(str(exc))
            st.stop()
        entry = directive.campaign_entry(text, code, cat)
        rows = directive.to_rows(directive.propose(text), code)
        start(entry, rows, [], sent.name if sent else "nội dung dán vào", text, existing=False)
else:
    names = {c.code: f"{c.code} — {c.short_name}" for c in cat.campaigns.values()}
    picked = st.selectbox("Phong trào", list(names), format_func=names.get, key="cp_pick")
    if st.button("Mở để sửa", type="primary"):
        files = editing.snapshot()
        items = editing.indicator_items(files.get(f"indicators/{picked}.yaml", ""))
        start(editing.campaign_entry(cat.campaigns[picked]), directive.rows_of(items),
              editing.campaign_clusters(files.get("clusters.yaml", ""), picked), "", None, existing=True)

if "cp_rows" not in S:
    st.stop()
code, existing = S["cp_draft_code"], S["cp_existing"]

# ---------------------------------------------------------------- 1. the campaign
st.header(f"1. Phong trào {code}")
if S["cp_directive"]:
    with st.expander("Phong trào, như văn bản ghi"):
        facts = directive.campaign_fields(S["cp_directive"])
        present.table(pl.DataFrame({"Mục": [f.label for f in facts], "Văn bản ghi": [f.shown for f in facts]}))
a, b = st.columns(2)
a.text_input("Tên phong trào", key="cp_name")
b.text_input("Tên ngắn (hiện trên các trang)", key="cp_short")
a.text_input("Văn bản (số, ngày, cơ quan ban hành)", key="cp_document")
b.text_input("Cơ quan, người phát động", key="cp_issuer")
scopes = [u.code for u in cat.units.values() if u.type in ("country", "province", "city", "district")]
if S.get("cp_scope") not in scopes:
    S["cp_scope"] = None
a.selectbox("Cấp phát động (đơn vị có Ủy ban nhân dân phát động)", scopes, key="cp_scope",
            format_func=lambda u: f"{cat.units[u].name} ({u})", placeholder="Chọn đơn vị")
b.number_input("Hạn báo cáo: số ngày sau khi hết kỳ", min_value=0, max_value=90, step=1, key="cp_due")
c1, c2, c3, c4 = st.columns(4)
c1.date_input("Ngày ban hành", key="cp_issued", **DAY)
c2.date_input("Bắt đầu thi đua", key="cp_start", **DAY)
c3.date_input("Kết thúc thi đua", key="cp_end", **DAY)
c4.date_input("Tính kỳ từ ngày (khi văn bản không ghi ngày bắt đầu)", key="cp_counted", **DAY)
for kind, label in STONES:
    m1, m2, m3, m4 = st.columns(4)
    m1.text_input(f"Tên mốc {label.lower()}", key=f"cp_{kind}_name")
    m2.date_input(f"{label}: từ ngày", key=f"cp_{kind}_start", **DAY)
    m3.date_input(f"{label}: đến ngày", key=f"cp_{kind}_end", **DAY)
    m4.text_input(f"{label}: kỳ số liệu (ví dụ 2025-H1, 2025)", key=f"cp_{kind}_period")
st.text_area("Chủ đề", key="cp_theme", height=68)
entry = {key: S.get(widget) for key, widget in FIELDS.items()} | {"code": code}
if entry["start"] is not None:
    entry["counted_from"] = None
# A milestone is "stated" when the directive gives it: as loaded, while its dates are not changed here.
entry["milestones"] = [{"kind": kind, "name": S[f"cp_{kind}_name"], "start": S[f"cp_{kind}_start"],
                        "end": S[f"cp_{kind}_end"], "period": S[f"cp_{kind}_period"].strip(),
                        "stated": bool(S[f"cp_{kind}_loaded"].get("stated")) and (
                            S[f"cp_{kind}_loaded"].get("start"), S[f"cp_{kind}_loaded"].get("end")) == (
                            S[f"cp_{kind}_start"], S[f"cp_{kind}_end"])}
                       for kind, _ in STONES if S[f"cp_{kind}_start"] and S[f"cp_{kind}_end"]]

# ---------------------------------------------------------------- 2. the indicators
rows: pl.DataFrame = S["cp_rows"]
st.header(f"2. {rows.height} chỉ tiêu")
fill = st.columns([3, 1])
types = fill[0].multiselect("Loại đơn vị báo cáo cho các chỉ tiêu chưa có ai báo cáo", list(UNIT_TYPES), key="cp_fill_types",
                            format_func=UNIT_TYPES.get, placeholder="Chọn loại đơn vị")
fill[1].button("Điền", key="cp_fill", disabled=not types, on_click=fold_edits, args=(lambda r: r.with_columns(
    reporter_types=pl.when((pl.col("reporter_types").fill_null("") == "") & (pl.col("reporter_units").fill_null("") == ""))
    .then(pl.lit(", ".join(types))).otherwise(pl.col("reporter_types"))),))
uoms = sorted(set(cat.uoms) | set(rows["uom"].drop_nulls().to_list()))
edited = st.data_editor(rows, key="cp_editor", num_rows="dynamic", hide_index=True, placeholder="—", column_config={
    "code": choice.TextColumn("Mã", required=True, width=110),
    "name": choice.TextColumn("Tên chỉ tiêu", required=True, width=260),
    "group": choice.SelectboxColumn("Nhóm", options=list(cat.groups), format_func=cat.groups.get, width=120),
    "uom": choice.SelectboxColumn("Đơn vị tính", options=uoms, width=110),
    "rule_type": choice.SelectboxColumn("Cách tính", options=list(RULE_NAMES_VI), format_func=RULE_NAMES_VI.get,
                                        width=120),
    "value": choice.NumberColumn("Mức / %", width=80), "low": choice.NumberColumn("Từ", width=70),
    "high": choice.NumberColumn("Đến", width=70), "per": choice.NumberColumn("Trên số dân", width=90),
    "direction": choice.SelectboxColumn("Hướng", options=list(DIRECTION_VI), format_func=DIRECTION_VI.get, width=90),
    "accumulation": choice.SelectboxColumn("Cộng dồn", options=list(ACCUMULATION_VI), format_func=ACCUMULATION_VI.get,
                                           width=100),
    "period_type": choice.SelectboxColumn("Kỳ báo cáo", options=list(PERIOD_TYPE_VI), format_func=PERIOD_TYPE_VI.get,
                                          width=100),
    "reporter_types": choice.TextColumn("Loại đơn vị báo cáo", help=", ".join(UNIT_TYPES), width=140),
    "reporter_units": choice.TextColumn("Mã đơn vị báo cáo", help="các mã cách nhau bằng dấu phẩy", width=140),
    "owner": choice.TextColumn("Đơn vị chủ trì", width=100), "weight": choice.NumberColumn("Trọng số", width=80),
    "aggregate": choice.CheckboxColumn("Cộng các đơn vị", help="số của toàn phong trào là tổng số các đơn vị", width=90),
    "as_written": choice.TextColumn("Nguyên văn", disabled=True, width=300)})
S["cp_current"] = edited

with st.expander("Sửa một chỉ tiêu (dễ hơn trên màn hình nhỏ)"):
    codes = [c for c in edited["code"].to_list() if c]
    if codes:
        if S.get("cp_one") not in codes:
            S["cp_one"] = codes[0]
            load_one()
        st.selectbox("Chỉ tiêu", codes, key="cp_one", on_change=load_one)
        st.text_input("Tên chỉ tiêu", key="cp_one_name")
        f1, f2, f3 = st.columns(3)
        f1.selectbox("Đơn vị tính", uoms, key="cp_one_uom")
        f2.selectbox("Cách tính", list(RULE_NAMES_VI), format_func=RULE_NAMES_VI.get, key="cp_one_rule")
        f3.number_input("Mức / %", step=None, format="%g", key="cp_one_value")
        st.button("Lưu chỉ tiêu này", key="cp_one_save", on_click=save_one)

items = directive.to_items(edited.to_dicts())
new_uoms = campaigns.unknown_uoms(items, cat)
adding = [u for u in new_uoms if st.checkbox(f"Thêm đơn vị tính mới “{u}” vào danh mục", key=f"cp_uom_{u}")]
revised_from = None
if existing:
    revised_from = st.date_input("Mục tiêu sửa ở đây áp dụng từ ngày (để trống: sửa lỗi nhập, thay mục tiêu cũ)",
                                 value=None, key="cp_revised", **DAY)
draft = campaigns.Draft(entry, items, source=S["cp_source"], source_text=S["cp_directive"], existing=existing,
                        revised_from=revised_from, new_uoms=adding)
bad = [(item.get("code") or "—", p) for item, found in zip(items, campaigns.row_problems(draft)) for p in found]
if bad:
    st.warning(f"{len({c for c, _ in bad})} chỉ tiêu còn cần sửa trước khi công bố:", icon=":material/edit_note:")
    present.table(pl.DataFrame(bad, schema=["Mã", "Cần sửa"], orient="row"), keep=("Cần sửa",))
else:
    st.success("Mọi chỉ tiêu đều hợp lệ theo danh mục.", icon=":material/check_circle:")
st.download_button("Tải tệp chỉ tiêu (YAML)", directive.items_yaml(items, code, S["cp_source"] or "danh mục"),
                   file_name=f"{code}.yaml", mime="application/yaml", icon=":material/download:", on_click="ignore")
if S["cp_directive"]:
    with st.expander("Văn bản, các câu đã nhận ra chỉ tiêu được tô sáng"):
        text = S["cp_directive"]
        spans = sorted({(p.start, p.end) for p in directive.propose(text)})
        marked, at = [], 0
        for begin, end in spans:
            if begin < at:
                continue
            marked += [html.escape(text[at:begin]), "<mark>", html.escape(text[begin:end]), "</mark>"]
            at = end
        marked.append(html.escape(text[at:]))
        st.html("<div style='white-space: pre-wrap; font-size: 0.95rem; line-height: 1.5'>" + "".join(marked) + "</div>")

# ---------------------------------------------------------------- 3. clusters and allocation
st.header("3. Cụm thi đua và giao chỉ tiêu")
draft_cat, problems = campaigns.check(draft)
if draft_cat is None:
    st.info("Sửa hết các lỗi ở trên (và chọn cấp phát động, thời gian thi đua) thì mới chia cụm, giao chỉ tiêu và công bố "
            "được. Danh mục còn báo:", icon=":material/info:")
    present.table(pl.DataFrame({"Cần sửa": problems}), keep=("Cần sửa",))
    st.stop()
reporters = sorted({u for i in draft_cat.indicators_of(code) for u in draft_cat.reporters(i)}, key=list(draft_cat.units).index)
if S["cp_cluster_rows"].is_empty():
    S["cp_cluster_rows"] = pl.DataFrame([{"code": c["code"], "name": c["name"], "members": ", ".join(c["members"])}
                                         for c in editing.proposed_clusters(draft_cat, code, reporters)],
                                        schema={"code": pl.String, "name": pl.String, "members": pl.String})
st.caption("Các đơn vị cùng cụm được xếp hạng với nhau. Thành viên: các mã đơn vị cách nhau bằng dấu phẩy.")
clusters = st.data_editor(S["cp_cluster_rows"], key="cp_clusters", num_rows="dynamic", hide_index=True, column_config={
    "code": choice.TextColumn("Mã cụm", required=True, width=160), "name": choice.TextColumn("Tên cụm", width=220),
    "members": choice.TextColumn("Thành viên", width=520)})
draft.clusters = [{"code": r["code"], "name": r["name"] or r["code"],
                   "members": [m.strip() for m in (r["members"] or "").split(",") if m.strip()]}
                  for r in clusters.to_dicts() if r["code"]]

allocatable = allocation.indicators(draft_cat, code)
if not allocatable:
    st.caption("Phong trào không có chỉ tiêu nào giao được theo đơn vị (cần con số và từ hai đơn vị báo cáo trở lên).")
else:
    st.download_button("Tải tệp giao chỉ tiêu (Excel)", allocation.workbook(draft_cat, code),
                       file_name=f"giao-chi-tieu-{code}.xlsx", icon=":material/download:", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sent = st.file_uploader("Gửi lại tệp giao chỉ tiêu đã điền", type=["xlsx", "xls", "ods"], key="cp_alloc_file")
    if sent is not None and S.get("cp_allocation_of") != (sent.name, sent.size):
        S["cp_allocation"] = campaigns.read_allocation(draft_cat, code, sent.name, sent.getvalue())
        S["cp_allocation_of"] = (sent.name, sent.size)
    given: allocation.Allocation | None = S.get("cp_allocation") if sent is not None else None
    if given is not None:
        for message in given.errors:
            st.error(message, icon=":material/error:")
        for message in given.warnings:
            st.warning(message, icon=":material/warning:")
        if not given.errors:
            st.success(f"Đã đọc {len(given.shares)} phần giao cho {len(given.indicators)} chỉ tiêu.",
                       icon=":material/check_circle:")
            present.table(present.show(given.table(draft_cat), **{
                "Chỉ tiêu": pl.col("indicator_code"), "Đơn vị": pl.col("unit_name"), "Phần giao": present.num("share")}))
        draft.allocation = given

# ---------------------------------------------------------------- 4. publish
st.header("4. Công bố")
files = editing.snapshot()
final, problems = campaigns.check(draft)
changes = editing.effective(files, draft.changes(files))
if final is None:
    present.table(pl.DataFrame({"Cần sửa": problems}), keep=("Cần sửa",))
warnings = [w for w in (draft.allocation.warnings if draft.allocation else [])]
note = st.text_input("Ghi chú cho lần công bố này", key="cp_note",
                     placeholder="ví dụ: Phát động theo Kế hoạch số 45/KH-UBND; điều chỉnh chỉ tiêu giữa năm")
ack = st.checkbox("Tôi đã xem các cảnh báo về giao chỉ tiêu ở trên", key="cp_ack") if warnings else True
blocked = final is None or bool(bad) or not changes or not note.strip() or not ack or bool(
    draft.allocation and draft.allocation.errors)
if not changes:
    st.caption("Chưa có gì khác với danh mục đang dùng.")
with st.expander(f"Những gì sẽ thay đổi ({len(changes)} tệp)"):
    st.code(editing.diff(files, editing.applied(files, changes)) or "—", language="diff")
if st.button("Công bố", type="primary", disabled=blocked, icon=":material/publish:"):
    with st.spinner("Đang ghi danh mục, công bố và tính lại số liệu của phong trào…"):
        done = campaigns.publish(draft, account, note.strip())
    if done.problems:
        st.error("Chưa công bố được:\n\n" + "\n".join(f"- {p}" for p in done.problems), icon=":material/error:")
    elif done.version is None:
        st.info("Danh mục không khác bản đang dùng; không ghi bản mới.", icon=":material/info:")
    else:
        st.success(f"Đã công bố danh mục bản {done.version}. Đã tính lại số liệu của: {', '.join(done.campaigns) or '—'}. "
                   "Các trang, biểu mẫu và trang Tải lên đã dùng danh mục mới.", icon=":material/check_circle:")

# ---------------------------------------------------------------- history
st.header("Lịch sử danh mục")
versions = campaigns.versions()
if versions.is_empty():
    st.caption("Chưa có lần công bố nào từ trang này.")
else:
    present.table(present.show(versions, **{
        "Bản": pl.col("version"), "Lúc": present.moment("published_at"), "Người công bố": pl.col("published_by"),
        "Ghi chú": pl.col("note"), "Phong trào tính lại": pl.col("campaigns")}), keep=("Ghi chú",))
    picked = st.selectbox("Xem bản", versions["version"].to_list(), key="cp_version", format_func=lambda v: f"Bản {v}")
    st.code(campaigns.diff_of(picked) or "(bản gốc, không có thay đổi để so)", language="diff")
    if st.button(f"Khôi phục bản {picked}", key="cp_restore", icon=":material/history:",
                 disabled=picked == versions["version"].max()):
        done = campaigns.restore(picked, account)
        if done.problems:
            st.error("Chưa khôi phục được:\n\n" + "\n".join(f"- {p}" for p in done.problems), icon=":material/error:")
        else:
            st.success(f"Đã khôi phục bản {picked} thành bản {done.version}.", icon=":material/check_circle:")
