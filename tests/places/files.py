"""Small ONSPD and IMD files for the import tests, written the way the real ones are.

The ONSPD header is the real one of November 2025 (53 columns, as in
/work/shared/data/onspd/); the values of ``LIVE`` are those of the real directory's first
row (AB1 0AA, Aberdeen) with ``doterm`` emptied, so a row is live unless a test says not.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

ONSPD_HEADER = (  # noqa: SIM905 - written as the header line reads in the file
    "pcd7,pcd8,pcds,dointr,doterm,cty25cd,ced25cd,lad25cd,wd25cd,parncp25cd,usrtypind,east1m,"
    "north1m,gridind,hlth19cd,nhser24cd,ctry25cd,rgn25cd,ssr95cd,pcon24cd,eer20cd,educ23cd,"
    "ttwa15cd,pco19cd,itl25cd,wdstl05cd,oa01cd,wdcas03cd,npark16cd,lsoa01cd,msoa01cd,ruc01ind,"
    "oac01ind,oa11cd,lsoa11cd,msoa11cd,wz11cd,sicbl24cd,bua24cd,ruc11ind,oac11ind,lat,long,"
    "lep21cd1,lep21cd2,pfa23cd,imd20ind,cal24cd,icb23cd,oa21cd,lsoa21cd,msoa21cd,ruc21ind"
).split(",")
_LIVE_VALUES = (  # noqa: SIM905
    "AB1 0AA,AB1  0AA,AB1 0AA,198001,,S99999999,S99999999,S12000033,S13002843,S99999999,0,"
    "385386,0801193,1,S08000020,S99999999,S92000003,S99999999,0,S14000061,S15000001,S09000001,"
    "S22000047,S03000012,S30000026,99ZZ00,S00001364,01C30,S99999999,S01000011,S02000007,6,3C2,"
    "S00090303,S01006514,S02001237,S34002990,S03000012,S99999999,3,1C3,57.101459,-2.242858,"
    "S99999999,,S23000009,6715,S99999999,S99999999,S00137176,S01013490,S02002516,1"
).split(",")
LIVE = dict(zip(ONSPD_HEADER, _LIVE_VALUES, strict=True))
# Numbers the ONS writes bare; every other value is quoted.
_BARE = {"lat", "long", "imd20ind"}


def onspd_row(pcds: str, **values: str) -> dict[str, str]:
    """A live row for ``pcds`` in an English place (Leeds), changed by ``values``."""
    compact = pcds.replace(" ", "")
    row = {
        **LIVE,
        "pcd7": f"{compact[:-3]:<4}{compact[-3:]}"[:7],
        "pcd8": f"{compact[:-3]:<4} {compact[-3:]}",
        "pcds": pcds,
        "lad25cd": "E08000035",
        "wd25cd": "E05011426",
        "ctry25cd": "E92000001",
        "lat": "53.801277",
        "long": "-1.548567",
        "icb23cd": "E54000054",
        "lsoa21cd": "E01033010",
    }
    row.update(values)
    return row


def terminated(pcds: str, when: str = "201203", **values: str) -> dict[str, str]:
    return onspd_row(pcds, doterm=when, **values)


def no_grid(pcds: str, **values: str) -> dict[str, str]:
    """No grid reference, as the ONS marks it: lat 99.999999, long 0, gridind 9."""
    base = {"lat": "99.999999", "long": "0.000000", "gridind": "9", "east1m": "", "north1m": ""}
    return onspd_row(pcds, **{**base, **values})


def onspd_text(
    rows: list[dict[str, str]], *, header: list[str] | None = None, style: str = "ons"
) -> str:
    """The CSV text: ``style`` "ons" quotes strings and not numbers, as the ONS does;
    "bare" quotes nothing; "quoted" quotes everything."""
    header = header or ONSPD_HEADER
    out = io.StringIO()
    out.write(",".join(header) + "\r\n")
    for row in rows:
        values = []
        for name in header:
            value = row.get(name, "")
            if style == "quoted" or (style == "ons" and name not in _BARE):
                value = '"' + value.replace('"', '""') + '"'
            values.append(value)
        out.write(",".join(values) + "\r\n")
    return out.getvalue()


def write_onspd(path: Path, rows: list[dict[str, str]], **kwargs) -> Path:
    path.write_text(onspd_text(rows, **kwargs), encoding="utf-8")
    return path


def zip_onspd(path: Path, text: str, member: str = "Data/ONSPD_NOV_2025_UK.csv") -> Path:
    """A zip laid out like the ONS download: the whole file, per-area files and documents."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Documents/ONSPD User Guide Nov 2025.pdf", b"%PDF-1.7")
        archive.writestr("Documents/LAD names and codes UK as at 04_25.csv", "LAD25CD,LAD25NM\n")
        archive.writestr(member, text)
        archive.writestr("Data/multi_csv/ONSPD_NOV_2025_UK_AB.csv", text)
    return path


IMD_HEADER = [
    "LSOA code (2011)",
    "LSOA name (2011)",
    "Local Authority District code (2019)",
    "Local Authority District name (2019)",
    "Index of Multiple Deprivation (IMD) Score",
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
    "Income Score (rate)",
    "Income Rank (where 1 is most deprived)",
    "Income Decile (where 1 is most deprived 10% of LSOAs)",
]


def imd_row(lsoa: str, name: str, rank: int | str, decile: int | str) -> list[str]:
    return [lsoa, name, "E08000035", "Leeds", "40.5", str(rank), str(decile), "0.2", "3000", "1"]


def write_imd(
    path: Path, rows: list[list[str]], *, header: list[str] | None = None, bom: bool = True
) -> Path:
    """File 7 as the government publishes it: UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or IMD_HEADER)
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path
