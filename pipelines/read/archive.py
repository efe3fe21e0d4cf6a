"""ZIP archives: pick one member, decode Japanese member names, refuse zip bombs and path traversal.

Windows tools write member names in CP932 without the UTF-8 flag; ``zipfile`` then decodes them as CP437
(``131083_ÆîîÅÆâ.csv``). Re-encoding as CP437 gives the original bytes back to decode as UTF-8 or CP932.
A member is extracted by streaming with a byte counter, because header sizes can lie.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBER_BYTES = 4 * 1024**3
MAX_RATIO = 200                       # uncompressed / compressed; text CSVs compress ~5-20x
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".json", ".geojson")


class ArchiveError(ValueError):
    """The archive is unsafe or does not say which member to read."""


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: CP437-mangled CP932/UTF-8 names decoded back."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for enc in ("utf-8", "cp932"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _check_name(name: str) -> None:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or (p.parts and p.parts[0].endswith(":")):
        raise ArchiveError(f"refusing archive member with an unsafe path: {name!r}")


def choose(zf: zipfile.ZipFile, wanted: str | None) -> zipfile.ZipInfo:
    """The member named ``wanted`` (full path or base name), or the only data file in the archive."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    for info in infos:
        _check_name(member_name(info))
    names = {member_name(i): i for i in infos}
    if wanted is not None:
        hits = [i for n, i in names.items() if n == wanted or PurePosixPath(n).name == wanted]
        if len(hits) != 1:
            raise ArchiveError(f"archive member {wanted!r} {'not found' if not hits else 'is ambiguous'}; "
                               f"members: {', '.join(names)}")
        return hits[0]
    data = [i for n, i in names.items() if n.lower().endswith(DATA_SUFFIXES)]
    if len(data) > 1:                            # readme.txt next to the data is common
        data = [i for n, i in names.items() if n.lower().endswith(DATA_SUFFIXES) and not n.lower().endswith(".txt")]
    if len(data) != 1:
        raise ArchiveError(f"archive holds {len(data)} data files; set source.member to one of: {', '.join(names)}")
    return data[0]


def extract_member(archive: Path, wanted: str | None, dest_dir: Path,
                   max_bytes: int = MAX_MEMBER_BYTES, max_ratio: float = MAX_RATIO) -> tuple[Path, str]:
    """Extract one member to a temp file in ``dest_dir``; returns (path, member name)."""
    with zipfile.ZipFile(archive) as zf:
        info = choose(zf, wanted)
        name = member_name(info)
        if info.file_size > max_bytes:
            raise ArchiveError(f"archive member {name!r} is {info.file_size} bytes; the limit is {max_bytes}")
        if info.file_size > 1_000_000 and info.file_size > max_ratio * max(info.compress_size, 1):
            raise ArchiveError(f"archive member {name!r} expands {info.file_size / max(info.compress_size, 1):.0f}x "
                               f"(limit {max_ratio}x): refusing a possible zip bomb")
        dest = dest_dir / f".member-{PurePosixPath(name).name}"
        _copy_limited(zf, info, dest, max_bytes, max_ratio)
    return dest, name


def _copy_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, max_bytes: int, max_ratio: float) -> None:
    limit = min(max_bytes, max(int(max_ratio * max(info.compress_size, 1)), 1_000_000))
    written = 0
    try:
        with zf.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise ArchiveError(f"archive member {info.filename!r} expands beyond {limit} bytes: refusing")
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)             # never leave a half-extracted member behind
        raise
