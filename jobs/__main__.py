"""Command line: ``python -m jobs {ingest,refresh,demo,users,backtest,digest,report,directive,catalog,template}``.

Exit codes: 0 done, 1 data rejected (some rows or files quarantined), 2 usage or environment
error (bad arguments, unreadable catalog, lake busy, full, read-only or missing), 3 internal
error (a fault of ours met on some file: the file is kept, the trace is in the log and the run
record, and the command's other files go on).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timezone
from pathlib import Path

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
MAX_PRINTED_PROBLEMS = 30


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lake", help="thư mục lake (mặc định: $THIDUA_LAKE hoặc ./lake)")
    p.add_argument("--catalog", help="thư mục danh mục (mặc định: $THIDUA_CATALOG hoặc ./catalog)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description="Các tác vụ của kho dữ liệu thi đua.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="nhận tệp báo cáo vào kho (bronze → silver → gold)")
    _common(p)
    p.add_argument("files", nargs="+", type=Path, help="tệp .xlsx, .xls, .ods hoặc .csv")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và báo cáo, không ghi gì")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--by", default=None, help="tên người gửi ghi vào sổ nhận tệp (mặc định: tên người dùng máy)")
    who.add_argument("--as", dest="account", default=None,
                     help="gửi với tư cách tài khoản này: chỉ nhận số liệu của các đơn vị tài khoản được giao, "
                          "đúng như trang Tải lên (tài khoản trong $THIDUA_USERS)")
    p.add_argument("--channel", default="cli", choices=["cli", "inbox"], help="kênh nhận tệp")
    p.add_argument("--received-at", help="thời điểm nhận thực tế (ISO 8601), khi nhập bù tệp cũ")

    p = sub.add_parser("refresh", help="làm mới silver và gold từ bronze (chạy hằng đêm)")
    _common(p)
    p.add_argument("--as-of", help="ngày tính kỳ đã kết thúc (mặc định: hôm nay)")
    p.add_argument("--full", action="store_true",
                   help="đọc lại mọi tệp (mặc định: chỉ tệp chưa được đọc với danh mục và chương trình hiện tại)")
    p.add_argument("--scheduler", help="địa chỉ bộ điều phối Dask (tcp://máy:8786) để dựng gold trên nhiều máy "
                                       "(mặc định: $THIDUA_DASK_SCHEDULER, không có thì chạy trong tiến trình này)")

    p = sub.add_parser("demo", help="tạo dữ liệu mẫu cho hai phong trào và làm mới gold")
    _common(p)
    p.add_argument("--out", type=Path, default=Path("demo/reports"), help="nơi ghi các tệp báo cáo mẫu")
    p.add_argument("--seed", type=int, default=2024)

    p = sub.add_parser("users", help="quản lý tài khoản đăng nhập cục bộ của bảng điều khiển")
    _common(p)
    p.add_argument("--file", help="tệp tài khoản (mặc định: $THIDUA_USERS hoặc .thidua/users.json)")
    users = p.add_subparsers(dest="action", required=True)
    u = users.add_parser("add", help="thêm hoặc sửa tài khoản")
    u.add_argument("username")
    u.add_argument("--role", required=True, choices=["leadership", "steward", "admin"])
    u.add_argument("--unit", action="append", default=[], help="đơn vị được giao (lặp lại cho nhiều đơn vị)")
    u.add_argument("--name", help="họ tên hiển thị")
    u.add_argument("--password", help="mật khẩu (bỏ trống để nhập ẩn)")
    u.add_argument("--email", help="địa chỉ thư nhận bản tin tuần (python -m jobs digest --send)")
    users.add_parser("list", help="liệt kê tài khoản")
    u = users.add_parser("remove", help="xoá tài khoản")
    u.add_argument("username")

    p = sub.add_parser("backtest", help="kiểm tra ngược dự báo cuối năm: dự báo từ giữa năm, so với số cả năm")
    _common(p)
    p.add_argument("--campaign", help="mã phong trào (mặc định: mọi phong trào)")

    p = sub.add_parser("digest", help="bản tin tuần: chỉ tiêu có nguy cơ và báo cáo chậm (lãnh đạo), báo cáo còn "
                                      "thiếu (từng cán bộ tổng hợp); ghi tệp, gửi thư với --send")
    _common(p)
    p.add_argument("--file", help="tệp tài khoản (mặc định: $THIDUA_USERS hoặc .thidua/users.json)")
    p.add_argument("--date", help="ngày của bản tin, năm-tháng-ngày (mặc định: hôm nay)")
    p.add_argument("--out", type=Path, default=Path("digests"), help="thư mục ghi bản tin (mặc định: ./digests)")
    p.add_argument("--send", action="store_true", help="gửi thư qua máy chủ SMTP trong THIDUA_SMTP_HOST …")

    p = sub.add_parser("report", help="báo cáo sơ kết / tổng kết (Word, kèm phụ lục Excel; PDF với --pdf)")
    _common(p)
    p.add_argument("campaign", help="mã phong trào, ví dụ TPLS2024")
    p.add_argument("--period", required=True, help="kỳ báo cáo, ví dụ 2024-H1 (sơ kết 6 tháng) hoặc 2024 (tổng kết)")
    p.add_argument("--as-of", help="lập báo cáo với số liệu như tại ngày này (năm-tháng-ngày, trong 30 ngày gần nhất)")
    p.add_argument("-o", "--output", type=Path, required=True, help="tệp .docx sẽ ghi (phụ lục: cùng tên, -phu-luc.xlsx)")
    p.add_argument("--template", type=Path, help="tệp .docx mẫu của cơ quan: dùng kiểu chữ, lề của tệp này")
    p.add_argument("--pdf", action="store_true", help="chuyển thêm sang PDF bằng LibreOffice (nếu đã cài)")

    p = sub.add_parser("directive", help="đọc văn bản phát động: đề xuất các chỉ tiêu theo định dạng danh mục")
    _common(p)
    directive = p.add_subparsers(dest="action", required=True)
    d = directive.add_parser("read", help="đọc tệp .txt, .docx hoặc .pdf có lớp chữ; ghi đề xuất chỉ tiêu ra YAML")
    d.add_argument("file", type=Path, help="văn bản phát động phong trào")
    d.add_argument("--campaign", required=True, help="mã phong trào mới, ví dụ TPLS2025 (đặt mã chỉ tiêu)")
    d.add_argument("-o", "--output", type=Path, required=True, help="tệp .yaml sẽ ghi (định dạng catalog/indicators)")

    p = sub.add_parser("catalog", help="công bố danh mục, xem lịch sử, khôi phục, giao chỉ tiêu")
    catalog = p.add_subparsers(dest="action", required=True)
    c = catalog.add_parser("publish", help="công bố danh mục đã sửa bằng tay (ghi một bản, tính lại phong trào thay đổi)")
    _common(c)
    c.add_argument("--note", required=True, help="lý do, ví dụ 'Điều chỉnh chỉ tiêu theo Quyết định 12/QĐ-UBND'")
    c.add_argument("--by", help="người công bố (mặc định: người dùng hệ điều hành)")
    c = catalog.add_parser("history", help="các bản danh mục đã công bố")
    _common(c)
    c = catalog.add_parser("show", help="những gì một bản đã thay đổi (diff)")
    _common(c)
    c.add_argument("version", type=int)
    c = catalog.add_parser("restore", help="công bố lại một bản cũ (thành bản mới)")
    _common(c)
    c.add_argument("version", type=int)
    c.add_argument("--by", help="người khôi phục (mặc định: người dùng hệ điều hành)")
    c = catalog.add_parser("allocation", help="xuất tệp Excel giao chỉ tiêu của một phong trào")
    _common(c)
    c.add_argument("campaign")
    c.add_argument("-o", "--output", type=Path, required=True, help="tệp .xlsx sẽ ghi")
    c = catalog.add_parser("allocate", help="đọc tệp giao chỉ tiêu đã điền, kiểm tra và công bố")
    _common(c)
    c.add_argument("campaign")
    c.add_argument("file", type=Path)
    c.add_argument("--note", required=True)
    c.add_argument("--by", help="người công bố (mặc định: người dùng hệ điều hành)")

    p = sub.add_parser("template", help="xuất biểu mẫu Excel để đơn vị điền")
    _common(p)
    p.add_argument("campaign", help="mã phong trào, ví dụ TPLS2024")
    p.add_argument("--unit", help="mã đơn vị (mặc định: mọi đơn vị)")
    p.add_argument("--period", help="kỳ báo cáo, ví dụ 2024-Q2 (mặc định: mọi kỳ)")
    p.add_argument("-o", "--output", type=Path, required=True, help="tệp .xlsx sẽ ghi")
    return parser


def _fail(message: str) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from lakehouse.reference.catalog import CatalogError, load
    from lakehouse.store import Lake, LakeBusyError

    if args.command == "catalog" and args.action in ("history", "show", "restore"):
        cat = None                  # a catalog broken by hand can still be restored
    else:
        try:
            cat = load(args.catalog)
        except CatalogError as exc:
            return _fail(str(exc))
    from lakehouse import faults

    lake = Lake(args.lake)
    if args.command in ("ingest", "refresh", "demo"):
        problem = lake.files.problem()
        if problem and (args.command != "demo" or lake.remote):
            return _fail(problem)
        faults.log_to(lake.root)
    try:
        if args.command == "ingest":
            return _ingest(args, lake, cat)
        if args.command == "refresh":
            return _refresh(args, lake, cat)
        if args.command == "demo":
            return _demo(args, lake, cat)
        if args.command == "users":
            return _users(args, cat)
        if args.command == "backtest":
            return _backtest(args, lake)
        if args.command == "digest":
            return _digest(args, lake)
        if args.command == "report":
            return _report(args, lake)
        if args.command == "directive":
            return _directive(args)
        if args.command == "catalog":
            return _catalog(args, lake, cat)
        return _template(args, cat)
    except LakeBusyError as exc:
        return _fail(f"kho dữ liệu đang bận (khóa '{exc}' do tác vụ khác giữ); hãy chạy lại sau.")
    except Exception as exc:
        message = faults.storage_fault(exc, lake.location)
        if message is not None:
            return _fail(message)
        code, _ = faults.record_internal(f"running '{args.command}'", exc)
        print(f"Lỗi nội bộ của hệ thống (mã lỗi {code}); chi tiết đã được ghi vào nhật ký "
              f"{lake.root / '_logs' / 'thidua.log'}.", file=sys.stderr)
        return EXIT_INTERNAL


def _ingest(args, lake, cat) -> int:
    import getpass

    from tqdm import tqdm

    from lakehouse.pipeline.gold import GoldCheckFailed
    from lakehouse.pipeline.ingest import ingest_path
    from lakehouse.pipeline.publish import CatalogNotPublished
    from lakehouse import faults
    from lakehouse.store import LakeBusyError

    received_at = None
    if args.received_at:
        try:
            received_at = datetime.fromisoformat(args.received_at)
        except ValueError:
            return _fail(f"--received-at '{args.received_at}' không đúng dạng ISO 8601")
        if received_at.tzinfo is None:
            return _fail("--received-at cần có múi giờ, ví dụ 2024-07-08T09:00+07:00")
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        return _fail("không tìm thấy tệp: " + ", ".join(missing))
    who, allowed = args.by or getpass.getuser(), None
    if args.account:
        from lakehouse import accounts

        account = accounts.load().get(args.account)
        if account is None:
            return _fail(f"không có tài khoản '{args.account}' trong {accounts.users_path()}")
        if not account.can_upload():
            return _fail(f"tài khoản '{args.account}' ({account.role_vi}) không được gửi báo cáo")
        who, allowed = account.username, account.allowed_units()
    worst = EXIT_OK
    for n, path in enumerate(tqdm(args.files, disable=len(args.files) < 3, desc="Nhận tệp", unit="tệp")):
        try:
            report = ingest_path(lake, cat, path, received_by=who, channel=args.channel,
                                 dry_run=args.dry_run, received_at=received_at, allowed_units=allowed)
        except GoldCheckFailed as exc:
            print(f"Lỗi: {exc}", file=sys.stderr)
            worst = max(worst, EXIT_REJECTED)
            continue
        except (LakeBusyError, KeyboardInterrupt):
            raise
        except CatalogNotPublished as exc:
            return _fail(f"'{path.name}': {exc}")
        except Exception as exc:
            message = faults.storage_fault(exc, lake.location)
            if message is None:   # a fault of ours on this file: say so, keep going with the others
                code, _ = faults.record_internal(f"ingesting '{path.name}'", exc)
                print(f"Lỗi: {faults.internal_message(path.name, code)}", file=sys.stderr)
                worst = EXIT_INTERNAL
                continue
            rest = [p.name for p in args.files[n:]]
            return _fail(f"{message} Chưa xử lý: {', '.join(rest)}.")
        prefix = "[thử] " if args.dry_run else ""
        print(prefix + report.summary_vi())
        for note in report.notes:
            print(f"  · {note}")
        problems = report.problems
        for problem in problems[:MAX_PRINTED_PROBLEMS]:
            print(f"  ✗ {problem}")
        if len(problems) > MAX_PRINTED_PROBLEMS:
            print(f"  … và {len(problems) - MAX_PRINTED_PROBLEMS} lỗi khác: xem đủ ở trang Chất lượng dữ liệu "
                  "(bảng silver.quarantine)" + (" sau khi gửi thật." if args.dry_run else "."))
        if report.status == "error":
            worst = EXIT_INTERNAL
        elif not report.ok and worst != EXIT_INTERNAL:
            worst = max(worst, EXIT_REJECTED)
    return worst


def _refresh(args, lake, cat) -> int:
    from lakehouse.pipeline.gold import GoldCheckFailed
    from lakehouse.pipeline.refresh import refresh

    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        return _fail(f"--as-of '{args.as_of}' không đúng dạng YYYY-MM-DD")
    started = datetime.now(timezone.utc)
    try:
        from lakehouse.pipeline.cluster import scheduler

        run = refresh(lake, cat, as_of=as_of, progress=sys.stderr.isatty(), full=args.full,
                      scheduler=scheduler(args.scheduler))
    except GoldCheckFailed as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    print(f"Làm mới xong trong {seconds:.1f} giây (lần chạy {run.run_id}). {run.summary}")
    for table, entry in sorted(run.tables.items()):
        mark = "ghi lại" if entry.get("written") else "không đổi"
        print(f"  {table:28} {entry.get('rows_out', 0):>8} dòng  ({mark})")
    failed = [o for c in run.checks for o in c.outcomes if not o.success]
    print(f"  Kiểm tra chất lượng: {sum(len(c.outcomes) for c in run.checks) - len(failed)} đạt, {len(failed)} không đạt")
    for warning in cat.warnings:
        print(f"  Cảnh báo danh mục: {warning}")
    return EXIT_OK


def _demo(args, lake, cat) -> int:
    from jobs.demo import generate, receive_all, write_files
    from lakehouse.pipeline.ingest import WRITER_LOCK, WRITER_WAIT_SECONDS
    from lakehouse.pipeline.refresh import refresh

    files = generate(cat, args.seed)
    write_files(files, args.out)
    with lake.lock(WRITER_LOCK, wait_seconds=WRITER_WAIT_SECONDS):
        new = receive_all(lake, files, progress=sys.stderr.isatty())
    print(f"Đã tạo {len(files)} tệp báo cáo mẫu trong {args.out} ({new} tệp mới vào kho {lake.location}).")
    run = refresh(lake, cat, progress=sys.stderr.isatty())
    print(f"Đã làm mới silver và gold. {run.summary}")
    from jobs.demo import demo_accounts
    for line in demo_accounts():
        print(line)
    return EXIT_OK


def _users(args, cat) -> int:
    import getpass

    from lakehouse import accounts

    try:
        if args.action == "list":
            for a in accounts.load(args.file).values():
                print(f"{a.username:20} {a.role_vi:18} {a.display_name:28} {', '.join(a.units) or '—'}")
            return EXIT_OK
        if args.action == "remove":
            accounts.remove(args.username, args.file)
            print(f"Đã xoá tài khoản {args.username}.")
            return EXIT_OK
        password = args.password
        if password is None and sys.stdin.isatty():
            password = getpass.getpass("Mật khẩu: ") or None
        account = accounts.upsert(args.username, args.role, password, args.unit, args.name, args.file,
                                  known_units=set(cat.units), email=args.email)
    except accounts.AccountError as exc:
        return _fail(str(exc))
    print(f"Đã lưu tài khoản {account.username} ({account.role_vi}) vào {accounts.users_path(args.file)}.")
    return EXIT_OK


def _catalog(args, lake, cat) -> int:
    import getpass

    from lakehouse.pipeline.publish import publish_changes, publish_edited, restore
    from lakehouse.bronze.cells import read_cells
    from lakehouse.bronze.errors import FileRejected
    from lakehouse.reference import allocation, editing, history
    from lakehouse.reference.catalog import CatalogError

    by = getattr(args, "by", None) or getpass.getuser()
    if args.action == "history":
        for r in history.versions(lake).iter_rows(named=True):
            print(f"bản {r['version']:>3}  {r['published_at']:%d/%m/%Y %H:%M} UTC  {r['published_by']}: {r['note']}"
                  + (f"  (tính lại {r['campaigns']})" if r["campaigns"] else ""))
        return EXIT_OK
    if args.action == "show":
        try:
            print(history.diff_of(lake, args.version) or "(bản gốc, không có thay đổi để so)", end="")
        except KeyError:
            return _fail(f"không có bản {args.version}; xem `python -m jobs catalog history`")
        return EXIT_OK
    if args.action == "allocation":
        if args.campaign not in cat.campaigns:
            return _fail(f"không có phong trào '{args.campaign}' trong danh mục")
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(allocation.workbook(cat, args.campaign))
        print(f"Đã ghi tệp giao chỉ tiêu {args.output}: {len(allocation.indicators(cat, args.campaign))} chỉ tiêu.")
        return EXIT_OK
    try:
        if args.action == "restore":
            try:
                done = restore(lake, args.version, by, args.catalog)
            except KeyError:
                return _fail(f"không có bản {args.version}; xem `python -m jobs catalog history`")
        elif args.action == "publish":
            done = publish_edited(lake, by, args.note, args.catalog)
        else:
            if args.campaign not in cat.campaigns:
                return _fail(f"không có phong trào '{args.campaign}' trong danh mục")
            if not args.file.is_file():
                return _fail(f"không tìm thấy tệp {args.file}")
            try:
                cells, _ = read_cells(args.file.read_bytes(), args.file.name, args.file.suffix.lstrip(".").lower())
            except FileRejected as exc:
                return _fail(str(exc))
            given = allocation.read(cat, args.campaign, cells, args.file.name)
            for w in given.warnings:
                print(f"Cảnh báo: {w}", file=sys.stderr)
            if given.errors:
                for e in given.errors[:MAX_PRINTED_PROBLEMS]:
                    print(f"Lỗi: {e}", file=sys.stderr)
                return EXIT_REJECTED
            files = editing.snapshot(args.catalog)
            text = editing.set_unit_targets(files.get("unit_targets.csv", ""), given.indicators, given.shares)
            done = publish_changes(lake, {"unit_targets.csv": text}, by, args.note, args.catalog)
    except CatalogError as exc:
        return _fail(str(exc))
    if done.version is None:
        print("Danh mục không có gì khác bản đã công bố; không ghi bản mới.")
    else:
        print(f"Đã công bố danh mục bản {done.version}; đã tính lại: {', '.join(done.campaigns) or 'không phong trào nào'}.")
    return EXIT_OK


def _directive(args) -> int:
    from lakehouse.reference import directive

    if not args.file.is_file():
        return _fail(f"không tìm thấy tệp {args.file}")
    if args.output.suffix.lower() not in (".yaml", ".yml"):
        return _fail("tệp đề xuất phải có đuôi .yaml")
    try:
        text = directive.load_text(args.file.name, args.file.read_bytes())
    except directive.DirectiveError as exc:
        return _fail(str(exc))
    proposals = directive.propose(text)
    if not proposals:
        return _fail(f"{args.file.name}: không thấy chỉ tiêu nào có con số trong văn bản")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(directive.to_yaml(proposals, args.campaign, args.file.name, text), encoding="utf-8")
    print(f"Đã đề xuất {len(proposals)} chỉ tiêu vào {args.output}; hãy rà soát trước khi đưa vào catalog/indicators/.")
    return EXIT_OK


def _report(args, lake) -> int:
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    from lakehouse import review_docx
    from lakehouse.submissions import versions_at
    from lakehouse.tables import TABLES

    if args.output.suffix.lower() != ".docx":
        return _fail("tệp báo cáo phải có đuôi .docx")
    if args.template and not args.template.is_file():
        return _fail(f"không tìm thấy tệp mẫu {args.template}")
    versions, day = None, None
    if args.as_of:
        try:
            day = date.fromisoformat(args.as_of)
        except ValueError:
            return _fail(f"--as-of '{args.as_of}' không đúng dạng năm-tháng-ngày")
        moment = datetime.combine(day, time.max, ZoneInfo("Asia/Ho_Chi_Minh"))
        versions = versions_at(lake, moment, TABLES)
    try:
        review = review_docx.gather(lake, args.campaign, args.period, versions, day)
    except ValueError as exc:
        return _fail(str(exc))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(review_docx.document(review, args.template))
    annex = args.output.with_name(args.output.stem + "-phu-luc.xlsx")
    annex.write_bytes(review_docx.annex(review))
    print(f"Đã ghi báo cáo {args.output} và phụ lục {annex}.")
    if args.pdf:
        try:
            print(f"Đã chuyển sang PDF: {review_docx.to_pdf(args.output)}.")
        except FileNotFoundError as exc:
            return _fail(str(exc))
    return EXIT_OK


def _digest(args, lake) -> int:
    import smtplib
    from datetime import date

    from jobs import digest
    from lakehouse import accounts

    try:
        day = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        return _fail(f"--date '{args.date}' không đúng dạng năm-tháng-ngày, ví dụ 2024-07-15")
    smtp = digest.Smtp.from_env() if args.send else None
    if args.send and smtp is None:
        return _fail("chưa cấu hình máy chủ thư: đặt THIDUA_SMTP_HOST (và THIDUA_SMTP_PORT, _USER, _PASSWORD, "
                     "_FROM nếu cần) rồi chạy lại")
    made = digest.build(lake, accounts.load(args.file), day)
    for path in digest.write(made, args.out, day):
        print(f"Đã ghi {path}")
    if smtp is not None:
        try:
            sent = digest.send(made, smtp)
        except (OSError, smtplib.SMTPException) as exc:
            return _fail(f"không gửi được thư qua {smtp.host}:{smtp.port} ({exc}); các bản tin đã được ghi thành tệp")
        print(f"Đã gửi {sent} thư qua {smtp.host}:{smtp.port}.")
    return EXIT_OK


def _backtest(args, lake) -> int:
    """The year-end forecast made from each year's mid-year figures, against the year's figures."""
    import polars as pl

    from lakehouse.gold import forecast

    att = lake.read("gold.attainment")
    if args.campaign:
        att = att.filter(pl.col("campaign_code") == args.campaign)
    result = forecast.backtest(att)
    if result.is_empty():
        return _fail("kho chưa có năm nào đủ số liệu giữa năm và cả năm để kiểm tra ngược dự báo")
    print("Kiểm tra ngược dự báo cuối năm (dự báo từ số lũy kế giữa năm, so với số cả năm).")
    print(f"Cách dự báo: {forecast.METHOD_VI}")
    print(f"{'phong trào':12} {'năm':>5} {'số cặp':>7} {'sai số trung vị':>16} {'sai số trung bình':>18} "
          f"{'trong khoảng':>13} {'nhận định đúng':>15}")
    summary = (result.group_by("campaign_code", "year")
               .agg(n=pl.len(), median=pl.col("error").abs().median(), mean=pl.col("error").abs().mean(),
                    inside=pl.col("inside").mean(), right=pl.col("right").mean())
               .sort("campaign_code", "year"))
    for r in summary.iter_rows(named=True):
        right = "—" if r["right"] is None else f"{r['right']:.0%}"
        print(f"{r['campaign_code']:12} {r['year']:>5} {r['n']:>7} {r['median']:>16.1%} {r['mean']:>18.1%} "
              f"{r['inside']:>13.0%} {right:>15}")
    print("Sai số = |dự báo ÷ số cả năm − 1|; nhận định đúng: trong các cặp được nhận định “có nguy cơ” "
          "hoặc “dự kiến đạt”, tỷ lệ khớp với kết quả cả năm.")
    return 0


def _template(args, cat) -> int:
    from lakehouse.periods import PeriodError
    from lakehouse.reference.template import TemplateError, build_workbook

    if args.output.suffix.lower() != ".xlsx":
        return _fail("tệp biểu mẫu phải có đuôi .xlsx")
    try:
        data = build_workbook(cat, args.campaign, args.unit, args.period)
    except (TemplateError, PeriodError) as exc:
        return _fail(getattr(exc, "reason", str(exc)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"Đã ghi biểu mẫu {args.output}.")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
