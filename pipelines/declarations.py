"""Dataset, publisher and target declarations in ``datasets/`` (the steward's interface), validated with pydantic.

A broken file fails with ``DeclarationError`` naming its path, the field and the reason.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: ~10x faster on 1,000 files


class DeclarationError(ValueError):
    """A declaration file is missing, unparsable or invalid."""

    def __init__(self, path: Path, field: str, reason: str):
        super().__init__(f"{path}: {field}: {reason}")
        self.path, self.field, self.reason = path, field, reason


class Frequency(str, Enum):
    """udata / EU frequency vocabulary; each member carries the time a dataset may go without update."""

    continuous = "continuous"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    semiannual = "semiannual"
    yearly = "yearly"
    irregular = "irregular"

    @property
    def delta(self) -> timedelta | None:
        return {
            "continuous": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1),
            "monthly": timedelta(days=31), "quarterly": timedelta(days=92), "semiannual": timedelta(days=183),
            "yearly": timedelta(days=366), "irregular": None,
        }[self.value]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(Strict):
    ja: str
    en: str | None = None


class FileSource(Strict):
    kind: Literal["file"]
    path: str                                # relative to the datasets/ folder, or absolute
    member: str | None = None                # a member inside a ZIP archive


class HttpSource(Strict):
    kind: Literal["http"]
    url: str
    member: str | None = None
    timeout: float = 30.0
    max_bytes: int = 512 * 1024 * 1024


class CkanSource(Strict):
    kind: Literal["ckan"]
    url: str                                 # the remote CKAN site, e.g. https://catalog.data.metro.tokyo.lg.jp
    dataset: str                             # remote dataset name or id
    resource: str                            # remote resource name or id
    member: str | None = None


Source = Annotated[Union[FileSource, HttpSource, CkanSource], Field(discriminator="kind")]


class ReadOptions(Strict):
    """Overrides for when sniffing is not enough."""

    format: Literal["auto", "csv", "xlsx", "xls", "json", "geojson"] = "auto"
    encoding: str = "auto"                   # auto | utf-8 | utf-8-sig | cp932 | utf-16 | euc-jp
    header_row: int | Literal["auto"] | None = "auto"   # 1-based line of the header; None = no header
    names: list[str] | None = None           # column names for files without a header row
    sheet: str | int | None = None
    delimiter: str | None = None


class QualityOverrides(Strict):
    """Per-dataset adjustments of the standard's suite."""

    disable: list[str] = Field(default_factory=list)          # finding types to skip
    warn: list[str] = Field(default_factory=list)             # finding types downgraded to warnings
    required: list[str] = Field(default_factory=list)         # extra required columns


class Dataset(Strict):
    id: str
    publisher: str                           # publisher id, e.g. t131083
    title: Text
    description: Text | None = None
    standard: str | None = None              # quality/standards/<slug>.yaml
    fulfils: list[str] = Field(default_factory=list)   # target keys this dataset fulfils (bureaus' need list)
    source: Source
    read: ReadOptions = Field(default_factory=ReadOptions)
    columns: dict[str, str] = Field(default_factory=dict)    # source column -> standard column
    license: str = "CC-BY-4.0"
    update_frequency: Frequency = Frequency.irregular
    modified: date | None = None             # when the publisher last updated the data, if known (else: when its bytes changed)
    groups: list[str] = Field(default_factory=list)          # Tokyo catalog categories c001..c014
    tags: list[str] = Field(default_factory=list)
    visibility: Literal["public", "internal"] = "public"
    quality: QualityOverrides = Field(default_factory=QualityOverrides)

    @field_validator("id")
    @classmethod
    def _ckan_name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("must be 2-100 characters of lowercase a-z, 0-9, '-' and '_' (a CKAN name)")
        return v

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        bad = [g for g in v if not re.fullmatch(r"c0(0[1-9]|1[0-4])", g)]
        if bad:
            raise ValueError(f"unknown category {bad}; use the Tokyo catalog groups c001..c014")
        return v


class Publisher(Strict):
    id: str                                  # t000029 (bureau), t131083 (municipality), t130001? see code
    name: str                                # 江東区
    name_en: str | None = None
    kana: str | None = None
    code: str | None = None                  # 全国地方公共団体コード (6 digits) for 都 and 区市町村
    type: Literal["都", "局", "区", "市", "町", "村"]


class Category(Strict):
    id: str
    title: str
    title_en: str


class PublisherFile(Strict):
    categories: list[Category]
    publishers: list[Publisher]


class Target(Strict):
    key: str                                 # a standard slug (municipalities) or a need key (bureaus)
    title: str | None = None
    weight: float = 1.0
    source: str | None = None                # who asked for it (hackathon, company, ラウンドテーブル …)
    category: str | None = None              # c001..c014


class Exemption(Strict):
    key: str
    reason: str


class PublisherTargets(Strict):
    publisher: str
    targets: list[Target] = Field(default_factory=list)
    exempt: list[Exemption] = Field(default_factory=list)


class TargetFile(Strict):
    municipality_default: list[Target]       # applies to every 区市町村 unless exempted
    publishers: list[PublisherTargets] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# loading


def _load_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text("utf-8"), Loader=_LOADER)
    except FileNotFoundError:
        raise DeclarationError(path, "-", "file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DeclarationError(path, "-", f"not valid UTF-8 YAML: {e}") from None


def _validate(model: type[BaseModel], path: Path):
    try:
        return model.model_validate(_load_yaml(path))
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "-"
        raise DeclarationError(path, field, err["msg"]) from None


class Declarations(BaseModel):
    """Everything under one ``datasets/`` folder."""

    root: Path
    publishers: dict[str, Publisher]
    categories: dict[str, Category]
    datasets: dict[str, Dataset]
    targets: TargetFile

    def source_path(self, ds: Dataset) -> Path:
        assert isinstance(ds.source, FileSource)
        p = Path(ds.source.path)
        return p if p.is_absolute() else self.root / p


def load_declarations(root: Path) -> Declarations:
    """Load and cross-check ``publishers.yaml``, ``targets.yaml`` and every ``<publisher>/<dataset>.yaml``."""
    root = Path(root).resolve()
    pub_file = _validate(PublisherFile, root / "publishers.yaml")
    publishers = {p.id: p for p in pub_file.publishers}
    categories = {c.id: c for c in pub_file.categories}
    targets = _validate(TargetFile, root / "targets.yaml")
    datasets: dict[str, Dataset] = {}
    paths: dict[str, Path] = {}
    for path in sorted(root.glob("*/*.yaml")):
        if path.parts[-2] == "sources":
            continue
        ds = _validate(Dataset, path)
        if ds.publisher not in publishers:
            raise DeclarationError(path, "publisher", f"unknown publisher {ds.publisher!r} (not in publishers.yaml)")
        if ds.id in datasets:
            raise DeclarationError(path, "id", f"duplicate dataset id {ds.id!r}: also declared in {paths[ds.id]}")
        datasets[ds.id] = ds
        paths[ds.id] = path
    for pt in targets.publishers:
        if pt.publisher not in publishers:
            raise DeclarationError(root / "targets.yaml", "publishers", f"unknown publisher {pt.publisher!r}")
    return Declarations(root=root, publishers=publishers, categories=categories, datasets=datasets, targets=targets)
