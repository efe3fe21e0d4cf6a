"""Japanese first, English under ``/en/…``: the language of a URL, the other language's URL, and the UI's words.

Data (titles, descriptions) is not translated here: pages show the ``title_en``/``notes_en`` extras when there
are some and fall back to the Japanese text, marked ``lang="ja"`` so screen readers pronounce it right.
"""
from __future__ import annotations

from catalog.metrics import CATEGORY_NAMES, CATEGORY_NAMES_EN, PUBLISHER_TYPES_EN

LANGS = ("ja", "en")
EN_PREFIX = "/en"

CATEGORIES = [c for c in CATEGORY_NAMES if c.startswith("c")]

# The 自治体標準オープンデータセット slugs the pipeline writes into the ``standard`` extra.
STANDARDS = {
    "aed": ("AED設置箇所一覧", "AED locations"), "care_service": ("介護サービス事業所一覧", "Care service providers"),
    "medical_institution": ("医療機関一覧", "Medical institutions"), "cultural_property": ("文化財一覧", "Cultural properties"),
    "tourism": ("観光施設一覧", "Tourist facilities"), "event": ("イベント一覧", "Events"),
    "public_wireless_lan": ("公衆無線LANアクセスポイント一覧", "Public Wi-Fi access points"),
    "public_toilet": ("公衆トイレ一覧", "Public toilets"), "fire_hydrant": ("消防水利施設一覧", "Fire water supplies"),
    "evacuation_space": ("指定緊急避難場所一覧", "Designated evacuation spaces"),
    "population": ("地域・年齢別人口", "Population by area and age"), "public_facility": ("公共施設一覧", "Public facilities"),
    "preschool": ("子育て施設一覧", "Childcare facilities"), "open_data_list": ("オープンデータ一覧", "Open data list"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "site": ("東京都オープンデータカタログ", "Tokyo Open Data Catalog"),
    "skip": ("本文へ移動", "Skip to content"),
    "home": ("ホーム", "Home"), "datasets": ("データセット", "Datasets"), "organizations": ("組織", "Organizations"),
    "dashboard": ("公開率ダッシュボード", "Publication-rate dashboard"), "api": ("API", "API"),
    "search": ("検索", "Search"), "search_label": ("データセットを検索", "Search datasets"),
    "search_placeholder": ("例：トイレ、人口、避難所", "e.g. toilets, population, evacuation"),
    "login": ("ログイン", "Sign in"), "logout": ("ログアウト", "Sign out"), "signed_in_as": ("ログイン中", "Signed in as"),
    "username": ("ユーザー名", "User name"), "token": ("APIトークン", "API token"),
    "login_help": ("庁内限定データを見るには、ユーザー名とAPIトークンでログインしてください。",
                   "Sign in with your user name and API token to see internal (庁内限定) datasets."),
    "login_failed": ("ユーザー名またはAPIトークンが正しくありません。", "Wrong user name or API token."),
    "gx_docs": ("Great Expectations の検証結果 (Data Docs)", "Great Expectations validation result (Data Docs)"),
    "gx_suite": ("期待値スイート (ExpectationSuite)", "Expectation suite"),
    "version_blocked": ("この版は品質検査で公開が止められました。公開中のデータは以前の版のままです。",
                        "The quality gate blocked this version; the published data is still an earlier version."),
    "version_blocked_restricted": ("検査結果の詳細と該当行は、公開元の組織のメンバーだけが閲覧できます。",
                                   "Details and failing rows are shown only to members of the publishing organization."),
    "csrf_failed": ("フォームの有効期限が切れました。ページを再読み込みしてからもう一度お試しください。",
                    "The form has expired. Reload the page and try again."),
    "too_many_logins": ("ログインの試行が多すぎます。しばらく待ってからもう一度お試しください。",
                        "Too many sign-in attempts. Wait a little and try again."),
    "categories": ("分類", "Categories"), "recent": ("最近更新されたデータセット", "Recently updated datasets"),
    "dataset_count": ("データセット数", "Datasets"), "organization_count": ("組織数", "Organizations"),
    "overall_rate": ("全体の公開率", "Overall publication rate"), "as_of": ("時点", "as of"),
    "no_snapshot": ("公開率はまだ集計されていません。", "No publication rate has been computed yet."),
    "results": ("件", "datasets"), "no_results": ("該当するデータセットはありません。", "No datasets match."), "try_instead": ("こちらで探してみてください:", "Try instead:"),
    "popular_tags": ("よく使われるタグ:", "Popular tags:"),
    "filters": ("絞り込み", "Filters"), "remove_filter": ("絞り込みを解除", "Remove filter"),
    "clear_filters": ("すべて解除", "Clear all"), "sort": ("並び順", "Sort by"), "apply": ("適用", "Apply"),
    "sort_relevance": ("関連度", "Relevance"), "sort_modified": ("更新日（新しい順）", "Last modified"),
    "sort_name": ("名前順", "Name"), "prev": ("前へ", "Previous"), "next": ("次へ", "Next"), "page": ("ページ", "Page"),
    "pagination": ("ページ送り", "Pagination"),
    "organization": ("組織", "Organization"), "groups": ("分類", "Category"), "tags": ("タグ", "Tags"),
    "res_format": ("形式", "Format"), "license_id": ("ライセンス", "Licence"), "standard": ("準拠する標準", "Standard"),
    "quality": ("品質", "Quality"), "formats": ("形式", "Formats"), "modified": ("最終更新", "Last updated"),
    "private": ("庁内限定", "Internal"), "publisher": ("公開者", "Publisher"), "license": ("ライセンス", "Licence"),
    "update_frequency": ("更新頻度", "Update frequency"), "fresh": ("更新期限内", "Up to date"),
    "stale": ("更新期限切れ", "Overdue"), "next_update": ("次回更新予定", "Next update due"),
    "conformant": ("標準に準拠", "Conforms to the standard"), "not_conformant": ("標準の必須項目が不足",
                                                                            "Misses required columns"),
    "quality_report": ("品質レポート", "Quality report"), "resources": ("データとリソース", "Data and resources"),
    "download": ("ダウンロード", "Download"), "size": ("サイズ", "Size"), "preview": ("データのプレビュー", "Data preview"),
    "preview_of": ("全 {total} 行のうち先頭 {shown} 行", "First {shown} of {total} rows"),
    "map": ("地図", "Map"), "map_fallback": ("地図を表示するには JavaScript を有効にしてください。",
                                             "Enable JavaScript to see the map."),
    "coordinates": ("座標の一覧", "Coordinates"),
    "name": ("名称", "Name"), "latitude": ("緯度", "Latitude"), "longitude": ("経度", "Longitude"),
    "api_examples": ("APIで使う", "Use the API"), "copy": ("コピー", "Copy"), "copied": ("コピーしました", "Copied"),
    "linked_data": ("メタデータ（DCAT）", "Metadata (DCAT)"), "json_view": ("このページのJSON", "This page as JSON"),
    "description": ("説明", "Description"), "finding_type": ("種類", "Type"), "column": ("列", "Column"), "row": ("行", "Row"),
    "severity": ("重要度", "Severity"), "message": ("内容", "Message"), "count": ("件数", "Count"),
    "examples": ("例", "Examples"), "findings": ("検出事項", "Findings"), "failing_rows": ("問題のある行（元ファイルの行番号）",
                                                                                    "Failing rows (source line numbers)"),
    "masked": ("個人情報の可能性があるため非表示", "Hidden: may contain personal data"),
    "versions": ("バージョン", "Versions"), "version": ("バージョン", "Version"), "no_findings": ("問題は見つかりませんでした。",
                                                                                          "No problems found."),
    "error": ("エラー", "Error"), "warning": ("警告", "Warning"), "rows_label": ("行数", "Rows"),
    "publication_rate": ("公開率", "Publication rate"), "measure": ("指標", "Measure"), "rate": ("率", "Rate"),
    "met": ("達成", "Met"), "expected": ("対象", "Expected"), "missing_targets": ("未達成の対象データ", "Targets not met"),
    "none_missing": ("すべて達成しています。", "All met."), "show_table": ("数値を表で見る", "Show the numbers as a table"),
    "csv_download": ("CSVでダウンロード", "Download CSV"), "publisher_type": ("団体の種類", "Publisher type"),
    "all": ("すべて", "All"), "category": ("分類", "Category"),
    "chart_by_publisher": ("団体別の公開率", "Publication rate by publisher"),
    "chart_by_category": ("分類別の公開率", "Publication rate by category"),
    "chart_measures": ("5つの指標", "The five measures"),
    "chart_matrix": ("団体 × 標準データセット", "Publishers × standard datasets"),
    "chart_history": ("公開率の推移", "Publication rate over time"),
    "category_filter_note": ("団体別の公開率は分類で絞り込めません（団体の種類のみ）。",
                             "Rates by publisher cannot be filtered by category (only by publisher type)."),
    "status_published": ("公開済み", "Published"), "status_invalid": ("要修正", "Invalid"),
    "status_stale": ("更新期限切れ", "Stale"), "status_missing": ("未公開", "Missing"),
    "status_none": ("対象外", "Not expected"),
    "matrix_scroll": ("{title}の表（横にスクロールできます）", "{title} as a table (scrolls sideways)"),
    "matrix_empty": ("この条件で期待されるデータはありません。", "No dataset is expected under these filters."),
    "not_found": ("ページが見つかりません", "Page not found"), "forbidden": ("閲覧権限がありません", "Not allowed"),
    "forbidden_help": ("このデータセットは庁内限定です。権限のあるユーザーでログインしてください。",
                       "This dataset is internal. Sign in as a user with a role in its organization."),
    "language": ("言語", "Language"), "other_language": ("English", "日本語"),
    "footer": ("データは各組織が公開しています。API・DCATは機械可読です。",
               "Data are published by each organization; the API and DCAT are machine-readable."),
    "datasets_of": ("この組織のデータセット", "Datasets of this organization"),
    "report_for": ("品質レポート：", "Quality report: "), "valid": ("検証合格", "Valid"),
    "invalid": ("要修正", "Invalid"), "partial": ("検証が完了していません", "Partially checked"),
    "unknown": ("未検証", "Not checked"), "report_missing": ("このバージョンの品質レポートはありません。",
                                                           "There is no quality report for this version."),
    "rows_not_available": ("標準化済みテーブルが見つからないため、行を表示できません。",
                           "The standardized table is not available, so rows cannot be shown."),
    "back_to_dataset": ("データセットに戻る", "Back to the dataset"), "all_organizations": ("すべての組織", "All organizations"),
}
# the dashboard (issue 17: KPI tiles, filters as chips, choropleth, missing lists) and the phone menu
_WORDS.update({
    "menu": ("メニュー", "Menu"), "show_filters": ("絞り込みを表示", "Show filters"),
    "kpi_rate": ("公開率", "Publication rate"), "kpi_change": ("前回の集計からの変化", "Change since the last snapshot"),
    "kpi_missing": ("未達成の対象データ", "Targets not met"), "kpi_previous": ("前回 {date}: {value}", "{date}: {value}"),
    "kpi_no_previous": ("前回の集計はありません", "No earlier snapshot"), "points": ("ポイント", "points"),
    "of_expected": ("対象 {den} 件中", "of {den} expected"),
    "filter_publisher": ("団体", "Publisher"), "add_filter": ("絞り込みを追加", "Add filters"),
    "filters_and": ("すべての条件を満たす対象データで集計しています（AND）。",
                    "Counted over the targets that match every filter (AND)."),
    "chart_map": ("区市町村別の公開率（地図）", "Publication rate by municipality (map)"),
    "map_credit": ("出典：国土数値情報（行政区域データ）（国土交通省）をもとに加工。島しょ部は右の枠に縮尺を変えて表示"
                   "（小笠原村は父島・母島のみ）。", "Boundaries: National Land Numerical Information (administrative "
                   "areas, MLIT), simplified. The islands are drawn at another scale in the frames on the right "
                   "(Ogasawara: Chichijima and Hahajima only)."),
    "no_target": ("対象なし・絞り込み対象外", "Nothing expected, or not in the filter"),
    "chart_missing": ("団体別の未達成データ", "What each publisher is missing"),
    "axis_from": ("横軸は {lo} から {hi}", "Axis from {lo} to {hi}"),
    "top_bottom": ("上位・下位 {n} 団体を表示（全 {total} 団体は表に）", "Top and bottom {n} shown (all {total} in the table)"),
    "code": ("団体コード", "Code"), "fraction": ("達成/対象", "Met/expected"),
})
_MEASURES = {"published": ("公開", "Published"), "conformant": ("標準準拠", "Conformant"), "valid": ("検証合格", "Valid"),
             "fresh": ("更新期限内", "Fresh"), "machine_readable": ("機械判読可能", "Machine-readable"),
             "adoption": ("取組率", "Adoption")}
_FREQUENCIES = {"continuous": ("随時", "Continuous"), "daily": ("毎日", "Daily"), "weekly": ("毎週", "Weekly"),
                "monthly": ("毎月", "Monthly"), "quarterly": ("四半期ごと", "Quarterly"),
                "semiannual": ("半年ごと", "Every six months"), "yearly": ("毎年", "Yearly"),
                "irregular": ("不定期", "Irregular")}
# The resource page and its data explorer (catalog/web/contexts/resource.py), and the map's popups and filter.
_WORDS.update({
    "resource": ("リソース", "Resource"), "explorer": ("データエクスプローラー", "Data explorer"),
    "resource_info": ("リソースの情報", "About this resource"), "download_url": ("ダウンロードURL", "Download URL"),
    "mimetype": ("メディアタイプ", "Media type"), "created": ("作成日時", "Created"),
    "last_modified": ("最終更新", "Last modified"), "datastore_fields": ("列と型", "Columns and types"),
    "column_type": ("型", "Type"), "column_name": ("列名", "Column"),
    "explorer_rows": ("{total} 行中 {first}〜{last} 行目", "Rows {first}–{last} of {total}"),
    "explorer_filtered": ("（全 {all} 行から絞り込み）", " (filtered from {all} rows)"),
    "explorer_none": ("条件に合う行はありません。", "No rows match."),
    "explorer_bad_filter": ("この条件は列の型に合わないため使われませんでした：{value}",
                            "This filter does not fit its column's type and was not used: {value}"),
    "full_text": ("すべての列から検索", "Search all columns"), "filter_column": ("{column} で絞り込み", "Filter {column}"),
    "filter_exact": ("値が一致", "exact value"), "filter_contains": ("含む", "contains"),
    "filter_rows": ("絞り込む", "Filter"), "reset_filters": ("条件をクリア", "Clear filters"),
    "rows_per_page": ("1ページの行数", "Rows per page"), "first_page": ("最初", "First"), "last_page": ("最後", "Last"),
    "page_of": ("{page} / {pages} ページ", "Page {page} of {pages}"),
    "sort_by": ("{column} で並べ替え", "Sort by {column}"), "sorted_asc": ("昇順", "ascending"),
    "sorted_desc": ("降順", "descending"), "download_view": ("この表示をCSVでダウンロード", "Download this view as CSV"),
    "open_explorer": ("データエクスプローラーで全行を見る", "Explore all rows"),
    "preview_short": ("{columns} 列のうち {cols_shown} 列を表示", "{cols_shown} of {columns} columns shown"),
    "explorer_link": ("エクスプローラー", "Explorer"), "row_number": ("行番号", "Row"),
    "map_filter": ("地図の絞り込み", "Filter the map"), "map_filter_all": ("すべて", "All"),
    "map_filter_text": ("名称・住所で絞り込み", "Filter by name or address"),
    "map_shown": ("{shown} / {total} 件を表示", "Showing {shown} of {total}"),
    "show_row": ("この行を表で見る", "Show this row in the table"),
})
_TYPES = PUBLISHER_TYPES_EN
PUBLISHER_TYPES = tuple(_TYPES)


def lang_of(path: str) -> str:
    return "en" if path == EN_PREFIX or path.startswith(EN_PREFIX + "/") else "ja"


def localize(path: str, lang: str) -> str:
    """The URL of ``path`` (a Japanese, unprefixed path) in ``lang``."""
    if lang == "en":
        return EN_PREFIX + (path if path != "/" else "/")
    return path


def unlocalize(path: str) -> str:
    """The Japanese path of a URL path in either language."""
    if lang_of(path) == "en":
        return path[len(EN_PREFIX):] or "/"
    return path


def t(lang: str, key: str, **fmt) -> str:
    ja, en = _WORDS[key]
    text = en if lang == "en" else ja
    return text.format(**fmt) if fmt else text


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    if pair is None:
        return fallback
    return pair[1] if lang == "en" else pair[0]


def measure_name(measure: str, lang: str) -> str:
    return _pick(_MEASURES.get(measure), lang, measure)


def frequency_name(freq: str | None, lang: str) -> str:
    return _pick(_FREQUENCIES.get(freq or ""), lang, freq or "—")


def category_name(cid: str, lang: str, fallback: str | None = None) -> str:
    names = CATEGORY_NAMES_EN if lang == "en" else CATEGORY_NAMES
    return names.get(cid, fallback or cid)


def standard_name(slug: str | None, lang: str) -> str:
    return _pick(STANDARDS.get(slug or ""), lang, slug or "—")


def type_name(ptype: str, lang: str) -> str:
    return _TYPES.get(ptype, ptype) if lang == "en" else ptype


def quality_name(status: str | None, lang: str) -> str:
    return t(lang, status if status in ("valid", "invalid", "partial") else "unknown")


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def format_size(size: int | None) -> str:
    if not size:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


# --- steward workflow, activity streams, feeds, groups, share/embed, report a problem (issue 17, points 6-7)
_WORDS.update({
    "activity": ("アクティビティ", "Activity stream"), "activity_of": ("更新履歴：", "Activity: "),
    "no_activity": ("まだ記録がありません。", "Nothing recorded yet."),
    "activity_new package": ("{actor} がデータセット {title} を作成しました", "{actor} created the dataset {title}"),
    "activity_changed package": ("{actor} がデータセット {title} を更新しました", "{actor} updated the dataset {title}"),
    "activity_deleted package": ("{actor} がデータセット {title} を削除しました", "{actor} deleted the dataset {title}"),
    "activity_new organization": ("{actor} が組織 {title} を作成しました", "{actor} created the organization {title}"),
    "activity_changed organization": ("{actor} が組織 {title} を更新しました", "{actor} updated the organization {title}"),
    "activity_new group": ("{actor} が分類 {title} を作成しました", "{actor} created the category {title}"),
    "someone": ("不明なユーザー", "Someone"), "older": ("さらに古い記録", "Older activity"),
    "newer": ("新しい記録", "Newer activity"), "feed": ("Atomフィード", "Atom feed"),
    "groups_title": ("分類", "Categories"), "group_datasets": ("この分類のデータセット", "Datasets in this category"),
    "share": ("共有・埋め込み", "Share and embed"), "share_url": ("リンク（URL）", "Link (URL)"),
    "embed_code": ("埋め込みコード（iframe）", "Embed code (iframe)"),
    "embed_title": ("{title}（プレビュー）", "{title} (preview)"),
    "report_problem": ("問題を報告", "Report a problem"),
    "report_problem_help": ("このデータセットの誤りや不具合を公開元に知らせる", "Tell the publisher about an error in this dataset"),
    "steward": ("データ管理（編集者向け）", "Data management (editors)"),
    "upload_version": ("新しい版をアップロード", "Upload a new version"),
    "upload_help": ("CSV・Excel（.csv, .tsv, .txt, .xlsx, .xls）、最大 {mb} MB。受信箱に置かれ、取込と品質検査が実行されます。",
                    "CSV or Excel (.csv, .tsv, .txt, .xlsx, .xls), at most {mb} MB. It goes to the inbox; the ingest and the quality gate run on it."),
    "file": ("ファイル", "File"), "upload": ("アップロード", "Upload"), "rerun": ("取込を再実行", "Re-run the ingest"),
    "rerun_help": ("宣言された取得元から取込と品質検査をやり直します。", "Runs the ingest and the quality gate again from the declared source."),
    "blocked_versions": ("公開が止められた版", "Blocked versions"),
    "no_blocked": ("公開が止められた版はありません。", "No version was blocked."),
    "recent_runs": ("最近の取込", "Recent ingests"),
    "run": ("取込の実行", "Ingest run"), "run_status": ("状態", "Status"),
    "run_queued": ("待機中", "Queued"), "run_running": ("実行中", "Running"), "run_succeeded": ("完了", "Finished"),
    "run_failed": ("失敗", "Failed"), "run_unknown": ("不明（サーバーが再起動されました）", "Unknown (the server restarted)"),
    "refresh": ("最新の状態に更新", "Refresh"), "run_log": ("実行ログ", "Log"),
    "run_started": ("開始", "Started"), "run_finished": ("終了", "Finished at"),
    "run_result": ("結果", "Result"), "outcome_published": ("公開されました", "Published"),
    "outcome_blocked": ("品質検査で公開が止められました", "Blocked by the quality gate"),
    "outcome_unchanged": ("変更なし（同じ内容）", "Unchanged (same content)"), "outcome_failed": ("取込に失敗しました", "The ingest failed"),
    "see_report": ("品質レポートを見る", "See the quality report"),
    "upload_no_file": ("ファイルが選択されていません。", "No file was chosen."),
    "upload_bad_type": ("この形式のファイルは受け付けられません（CSV・Excelのみ）。", "This type of file is not accepted (CSV or Excel only)."),
    "upload_too_large": ("ファイルが大きすぎます（最大 {mb} MB）。", "The file is too large (at most {mb} MB)."),
    "upload_empty": ("ファイルが空です。", "The file is empty."),
    "upload_not_editor": ("このデータセットの組織の編集者だけが新しい版をアップロードできます。",
                          "Only editors of this dataset's organization can upload a new version."),
    "upload_not_pipeline": ("このデータセットはパイプラインの宣言がないため、アップロードで更新できません。",
                            "This dataset has no pipeline declaration, so it cannot be updated by upload."),
    "run_busy": ("このデータセットの取込がすでに実行中です。", "An ingest of this dataset is already running."),
    "api_tokens": ("APIトークン", "API tokens"), "token_name": ("トークンの名前", "Token name"),
    "create_token": ("トークンを作成", "Create a token"), "revoke": ("失効させる", "Revoke"),
    "token_created": ("新しいトークンです。この画面でしか表示されません。今すぐコピーしてください。",
                      "Your new token. It is shown only now: copy it."),
    "token_revoked": ("トークンを失効させました。", "The token was revoked."),
    "no_tokens": ("トークンはありません。", "No tokens."), "created": ("作成日時", "Created"),
    "last_access": ("最終利用", "Last used"), "never": ("未使用", "Never"),
    "token_session_note": ("ログインに使ったトークンを失効させると、ログアウトします。",
                           "Revoking the token you signed in with signs you out."),
    "token_name_missing": ("トークンの名前を入力してください。", "Give the token a name."),
})

# English titles of the licences whose register title is Japanese (official English names of the licensors).
LICENSE_NAMES_EN = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "CC-BY-NC-4.0": "Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)",
    "CC-BY-ND-4.0": "Creative Commons Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)",
    "CC-BY-NC-ND-4.0": "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International (CC BY-NC-ND 4.0)",
    "CC0-1.0": "Creative Commons CC0 1.0 Universal (Public Domain Dedication)",
    "PDL-1.0": "Public Data License (Version 1.0)",
}


def license_name(license_id: str | None, title: str | None, lang: str) -> str:
    """A licence's title in the page's language (the register's title otherwise)."""
    if lang == "en" and license_id in LICENSE_NAMES_EN:
        return LICENSE_NAMES_EN[license_id]
    return title or license_id or ""
