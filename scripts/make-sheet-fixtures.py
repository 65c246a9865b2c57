#!/usr/bin/env python3
"""Writes the spreadsheet fixtures of issue 25 into tests/fixtures/sheets/, with real
spreadsheet writers (not Roster): openpyxl (PyPI) and LibreOffice (Debian's
libreoffice-calc-nogui, headless --convert-to), and msoffcrypto-tool (PyPI) for the
encrypted workbook. A dev script, not run by CI; the fixtures are committed.

    python3 -m venv /tmp/sheets-venv && /tmp/sheets-venv/bin/pip install openpyxl msoffcrypto-tool
    apt-get install -y libreoffice-calc-nogui
    /tmp/sheets-venv/bin/python scripts/make-sheet-fixtures.py

Opt-in, for the benches (not committed): `--big N DIR` writes only DIR/staff-N.xlsx (by
openpyxl, as staff-100k.xlsx) and DIR/staff-N.csv, the same rows as CSV (Python's csv
module), e.g. `--big 1000000 /tmp/sheets-1m` (tests/e2e/bench/sheets.bench.ts,
scripts/bench-sheets-cli.sh).
"""
import csv
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

from openpyxl import Workbook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "sheets")
HEADER = ["First name", "Last name", "Email", "Password", "Employee ID", "Phone", "Start date", "Active"]
PEOPLE = [
    ("Ann", "Lee", "ann.lee", "00042", 4915112345678, datetime.date(2026, 1, 5), True),
    ("Bo", "Ek", "bo.ek", "00107", 4915112345679, datetime.date(2026, 2, 1), False),
    ("Chloé", "Dubois", "chloe.dubois", "01234", 33612345678, datetime.date(2025, 12, 31), True),
]


def person_row(i, p):
    first, last, local, emp, phone, start, active = p
    return [first, last, f"{local}@example.com", f"Sheet-Pw-{i + 1}-ok!", emp, phone, start, active]


def fill_staff(ws, people=PEOPLE, title=True):
    """A title row merged over the columns, the header, the rows, and a formula column."""
    if title:
        ws.append(["Staff export 2026"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER) + 1)
    ws.append(HEADER + ["Display name"])
    for i, p in enumerate(people):
        ws.append(person_row(i, p))
        r = ws.max_row
        ws.cell(row=r, column=len(HEADER) + 1, value=f'=A{r}&" "&B{r}')
        ws.cell(row=r, column=7).number_format = "yyyy-mm-dd"
        # The id is text (its leading zeros kept), the phone a number.
        ws.cell(row=r, column=5).number_format = "@"


def staff_openpyxl(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Staff"
    fill_staff(ws)
    wb.save(path)


def merged_header(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Accounts"
    ws.append(["Name", None, "Email", "Password"])
    ws.merge_cells("A1:B1")
    for i, (first, last, local, *_rest) in enumerate(PEOPLE):
        ws.append([first, last, f"{local}@example.com", f"Merged-Pw-{i + 1}-ok!"])
    wb.save(path)


def three_sheets(path):
    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover.append(["Roster import, January 2026"])
    staff = wb.create_sheet("Staff")
    fill_staff(staff, title=False)
    archive = wb.create_sheet("Archive")
    archive.append(["Email", "Password"])
    archive.append(["old.one@example.com", "Archive-Pw-1-ok!"])
    archive.append(["old.two@example.com", "Archive-Pw-2-ok!"])
    archive.sheet_state = "hidden"
    wb.save(path)


BIG_HEADER = ["Email", "Password", "First name", "Last name", "Employee ID"]


def big_row(i):
    return [f"user{i:06d}@example.com", f"Big-Pw-{i:06d}!", "User", f"N{i}", f"{i:06d}"]


def big(path, n=100_000):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Staff")
    ws.append(BIG_HEADER)
    for i in range(n):
        ws.append(big_row(i))
    wb.save(path)


def big_csv(path, n):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(BIG_HEADER)
        for i in range(n):
            w.writerow(big_row(i))


def soffice(src, fmt, dest_name):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile",
             "--convert-to", fmt, "--outdir", tmp, src],
            check=True, stdout=subprocess.DEVNULL,
        )
        ext = fmt.split(":")[0]
        made = os.path.join(tmp, os.path.splitext(os.path.basename(src))[0] + "." + ext)
        shutil.move(made, os.path.join(OUT, dest_name))


def main():
    if sys.argv[1:2] == ["--big"]:
        n, out = int(sys.argv[2]), sys.argv[3]
        os.makedirs(out, exist_ok=True)
        big(os.path.join(out, f"staff-{n}.xlsx"), n)
        big_csv(os.path.join(out, f"staff-{n}.csv"), n)
        return
    os.makedirs(OUT, exist_ok=True)
    p = lambda name: os.path.join(OUT, name)
    staff_openpyxl(p("staff-openpyxl.xlsx"))
    merged_header(p("merged-header.xlsx"))
    three_sheets(p("three-sheets.xlsx"))
    big(p("staff-100k.xlsx"))
    # LibreOffice computes the formulas and saves their values; openpyxl does not.
    soffice(p("staff-openpyxl.xlsx"), "xlsx", "staff-libreoffice.xlsx")
    soffice(p("staff-openpyxl.xlsx"), "ods", "staff-libreoffice.ods")
    soffice(p("three-sheets.xlsx"), "ods", "three-sheets.ods")
    soffice(p("staff-openpyxl.xlsx"), "xls:MS Excel 97", "staff-excel97.xls")
    # Encrypted with a password (ECMA-376 agile encryption), by msoffcrypto-tool.
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "msoffcrypto-tool"), "-e", "-p", "Secret-123",
         p("staff-libreoffice.xlsx"), p("encrypted.xlsx")],
        check=True,
    )
    # A download cut short: the first half of a real workbook.
    with open(p("staff-libreoffice.xlsx"), "rb") as f:
        data = f.read()
    with open(p("damaged.xlsx"), "wb") as f:
        f.write(data[: len(data) // 2])
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(p(name)):>10}  {name}")


if __name__ == "__main__":
    main()
