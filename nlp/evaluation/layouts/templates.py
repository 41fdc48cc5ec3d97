"""Official table templates filled with gold values.

Ids, rows, columns and their order come from ``configs/indicators.yaml`` (read here with
``yaml.safe_load``, never through another ``nlp`` module). The printed labels are those
of the official forms (docs/FORMATS.md §2.3-2.5, §3.2-3.3, §4.2), with their ordinals and
notes; every printed label is checked against the yaml's matching labels when a table
is built, so the renderings stay readable by the label rules. A template cell the gold
has no value for is left blank, as a published table leaves it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .model import Cell, Table

CONFIG = Path(__file__).resolve().parents[3] / "configs" / "indicators.yaml"

T2_CAPTION = "第二十条第（{}）项"
T2_HEAD = {
    "2021": {
        "made": "本年制发件数",
        "repealed": "本年废止件数",
        "valid": "现行有效件数",
        "decisions": "本年处理决定数量",
        "amount": "本年收费金额（单位：万元）",
    },
    "2019": {
        "new_made": "本年新制作数量",
        "new_published": "本年新公开数量",
        "total_published": "对外公开总数量",
        "prev_items": "上一年项目数量",
        "change": "本年增/减",
        "decisions": "处理决定数量",
        "items": "采购项目数量",
        "amount": "采购总金额",
    },
}
T2_ROW = {("2019", "normative"): "规范性文件", ("2021", "normative"): "行政规范性文件"}

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
#: Table 三 rows below the header: (row id or None for a group, printed label, depth,
#: number of rows a group spans or 0). Depth 0 labels span 3 label columns, depth 1
#: two, depth 2 one.
T3_GROUP_ROWS = {
    "三": "三、本年度办理结果",
    "不予公开": "（三）不予公开",
    "无法提供": "（四）无法提供",
    "不予处理": "（五）不予处理",
    "其他处理": "（六）其他处理",
}
T3_ROW = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_secret": "1.属于国家秘密",
    "denied_law": "2.其他法律行政法规禁止公开",
    "denied_safety": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal": "5.属于三类内部事务信息",
    "denied_process": "6.属于四类过程性信息",
    "denied_enforcement": "7.属于行政执法案卷",
    "denied_inquiry": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息",
    "unable_create": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_repeat": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_abusive": "4.无正当理由大量反复申请",
    "rejected_confirm": "5.要求行政机关确认或重新出具已获取信息",
    "other": "（六）其他处理",
    "other_overdue": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
    "total": "（七）总计",
    "carried_out": "四、结转下年度继续办理",
}
T3_HEAD = {
    "natural": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "nonprofit": "社会公益组织",
    "legal_service": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

PRE_HEAD = ("统计指标", "单位", "统计数")
PRE_GROUP = {
    "主动公开情况": "一、主动公开情况",
    "通过不同渠道和方式公开政府信息的情况": "（二）通过不同渠道和方式公开政府信息的情况",
    "回应解读情况": "二、回应解读情况",
    "通过不同渠道和方式回应解读的情况": "（二）通过不同渠道和方式回应解读的情况",
    "依申请公开情况": "三、依申请公开情况",
    "机构建设和保障经费情况": "八、机构建设和保障经费情况",
    "政府信息公开会议和培训情况": "九、政府信息公开会议和培训情况",
}
PRE_ROW = {
    "pre.proactive.total": "（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）",
    "pre.proactive.normative": "其中：主动公开规范性文件数",
    "pre.proactive.normative_issued": "制发规范性文件总数",
    "pre.proactive.gazette": "1.政府公报公开政府信息数",
    "pre.proactive.website": "2.政府网站公开政府信息数",
    "pre.proactive.weibo": "3.政务微博公开政府信息数",
    "pre.proactive.wechat": "4.政务微信公开政府信息数",
    "pre.proactive.other": "5.其他方式公开政府信息数",
    "pre.response.hotspots": "（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）",
    "pre.response.press": "1.参加或举办新闻发布会总次数",
    "pre.response.press_head": "其中：主要负责同志参加新闻发布会次数",
    "pre.response.interviews": "2.政府网站在线访谈次数",
    "pre.response.interviews_head": "其中：主要负责同志参加政府网站在线访谈次数",
    "pre.response.interpretations": "3.政策解读稿件发布数",
    "pre.response.weibo_wechat": "4.微博微信回应事件数",
    "pre.response.other": "5.其他方式回应事件数",
    "pre.apply.received": "（一）收到申请数",
    "pre.apply.in_person": "1.当面申请数",
    "pre.apply.fax": "2.传真申请数",
    "pre.apply.online": "3.网络申请数",
    "pre.apply.letter": "4.信函申请数",
    "pre.apply.concluded": "（二）申请办结数",
    "pre.apply.on_time": "1.按时办结数",
    "pre.apply.extended": "2.延期办结数",
    "pre.apply.answered": "（三）申请答复数",
    "pre.apply.already_public": "1.属于已主动公开范围数",
    "pre.apply.granted": "2.同意公开答复数",
    "pre.apply.partial": "3.同意部分公开答复数",
    "pre.apply.denied": "4.不同意公开答复数",
    "pre.apply.denied_state_secret": "其中：涉及国家秘密",
    "pre.apply.denied_commercial_secret": "涉及商业秘密",
    "pre.apply.denied_privacy": "涉及个人隐私",
    "pre.apply.denied_safety": "危及国家安全、公共安全、经济安全和社会稳定",
    "pre.apply.denied_not_gov_info": "不是《条例》所指政府信息",
    "pre.apply.denied_other_law": "法律法规规定的其他情形",
    "pre.apply.not_this_agency": "5.不属于本行政机关公开",
    "pre.apply.not_exist": "6.申请信息不存在",
    "pre.apply.amend": "7.告知作出更改补充",
    "pre.apply.other_channel": "8.告知通过其他途径办理",
    "pre.review.total": "四、行政复议数量",
    "pre.review.upheld": "（一）维持具体行政行为数",
    "pre.review.corrected": "（二）被依法纠错数",
    "pre.review.other": "（三）其他情形数",
    "pre.litigation.total": "五、行政诉讼数量",
    "pre.litigation.upheld": "（一）维持具体行政行为或者驳回原告诉讼请求数",
    "pre.litigation.corrected": "（二）被依法纠错数",
    "pre.litigation.other": "（三）其他情形数",
    "pre.complaints.total": "六、举报投诉数量",
    "pre.complaints.upheld": "（一）维持具体行政行为数",
    "pre.complaints.corrected": "（二）被纠错数",
    "pre.complaints.other": "（三）其他情形数",
    "pre.fees": "七、依申请公开信息收取的费用",
    "pre.org.units": "（一）政府信息公开工作专门机构数",
    "pre.org.reading_points": "（二）设置政府信息公开查阅点数",
    "pre.org.staff": "（三）从事政府信息公开工作人员数",
    "pre.org.staff_full": "1.专职人员数（不包括政府公报及政府网站工作人员数）",
    "pre.org.staff_part": "2.兼职人员数",
    "pre.org.budget": "（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）",
    "pre.meetings.meetings": "（一）召开政府信息公开工作会议或专题会议数",
    "pre.meetings.trainings": "（二）举办各类培训班数",
    "pre.meetings.trainees": "（三）接受培训人员数",
}

_PUNCT = re.compile(r"[\s、,，;；:：“”\"《》()（）/]")


@lru_cache(maxsize=4)
def load_config(path: str | None = None) -> dict[str, Any]:
    """``configs/indicators.yaml`` as a dict (path defaults to the repo's copy)."""
    with open(path or CONFIG, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _plain(text: str, fold: dict[str, str]) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(fold.get(ch, ch) for ch in text)
    return _PUNCT.sub("", text)


def _check(printed: str, labels: list[str], fold: dict[str, str]) -> None:
    """Raise if no yaml label of the row is found in the printed label."""
    plain = _plain(printed, fold)
    if not any(_plain(lab, fold) in plain for lab in labels):
        raise ValueError(f"printed label {printed!r} matches none of {labels!r}")


def format_value(value: Any) -> str:
    """A gold value as a table prints it ("" for no value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value(cells: dict[str, Any], ind: str, colspan: int = 1) -> Cell:
    return Cell(
        format_value(cells.get(ind)), colspan=colspan, indicator=ind, role="value"
    )


def _head(text: str, rowspan: int = 1, colspan: int = 1) -> Cell:
    return Cell(text, rowspan=rowspan, colspan=colspan, header=True, role="head")


def build_t2(era: str, cells: dict[str, Any], cfg: dict[str, Any]) -> Table:
    """Table 二 (第二十条): stacked blocks, each a caption row, a header row and rows."""
    spec = cfg["tables"]["t2"]
    fold = cfg.get("fold", {})
    blocks = [c["block"] for c in spec["captions"]]
    width = 1 + max(len(r["columns"].get(era, [])) for r in spec["rows"])
    rows: list[list[Cell]] = []
    for block in blocks:
        members = [
            r for r in spec["rows"] if r["block"] == block and era in r["columns"]
        ]
        if not members:
            continue
        cols: list[str] = members[0]["columns"][era]
        rows.append(
            [Cell(T2_CAPTION.format(block), colspan=width, header=True, role="caption")]
        )
        head = [_head("信息内容")]
        for i, col in enumerate(cols):
            span = width - len(cols) if i == len(cols) - 1 else 1
            label = T2_HEAD[era][col]
            _check(label, spec["columns"][col]["labels"], fold)
            head.append(_head(label, colspan=span))
        rows.append(head)
        for r in members:
            label = T2_ROW.get((era, r["id"]), r["labels"][0])
            _check(label, r["labels"], fold)
            line = [Cell(label)]
            for i, col in enumerate(r["columns"][era]):
                span = width - len(cols) if i == len(cols) - 1 else 1
                line.append(_value(cells, f"t2.{r['id']}.{col}", span))
            rows.append(line)
    return Table("t2", era, rows, header_rows=0)


def build_t3(era: str, cells: dict[str, Any], cfg: dict[str, Any]) -> Table:
    """Table 三: the two-level applicant header and 25 (2021) or 23 (2019) data rows."""
    spec = cfg["tables"]["t3"]
    fold = cfg.get("fold", {})
    col_ids = [c["id"] for c in spec["columns"]]
    labels = {r["id"]: r["labels"] for r in spec["rows"] if r.get("id")}
    notes: list[str] = []
    single_other = era == "2019" or any(k.startswith("t3.other.") for k in cells)
    if era != "2019" and single_other:
        notes.append(
            "gold uses the single 2019 row （六）其他处理 (t3.other.*): the "
            "table prints it so, as the report did"
        )

    def data(row_id: str, label_cells: list[Cell]) -> list[Cell]:
        _check(T3_ROW[row_id], labels[row_id], fold)
        return label_cells + [_value(cells, f"t3.{row_id}.{c}") for c in col_ids]

    sub = {
        "不予公开": [
            "denied_secret",
            "denied_law",
            "denied_safety",
            "denied_third_party",
            "denied_internal",
            "denied_process",
            "denied_enforcement",
            "denied_inquiry",
        ],
        "无法提供": ["unable_not_held", "unable_create", "unable_unclear"],
        "不予处理": [
            "rejected_petition",
            "rejected_repeat",
            "rejected_publication",
            "rejected_abusive",
            "rejected_confirm",
        ],
        "其他处理": ["other_overdue", "other_unpaid", "other_misc"],
    }
    inner: list[list[Cell]] = [
        data("granted", [Cell(T3_ROW["granted"], colspan=2)]),
        data("partial", [Cell(T3_ROW["partial"], colspan=2)]),
    ]
    for group in ("不予公开", "无法提供", "不予处理", "其他处理"):
        if group == "其他处理" and single_other:
            inner.append(data("other", [Cell(T3_ROW["other"], colspan=2)]))
            continue
        members = sub[group]
        for i, rid in enumerate(members):
            lead = [Cell(T3_GROUP_ROWS[group], rowspan=len(members))] if i == 0 else []
            inner.append(data(rid, lead + [Cell(T3_ROW[rid])]))
    inner.append(data("total", [Cell(T3_ROW["total"], colspan=2)]))
    inner[0].insert(0, Cell(T3_GROUP_ROWS["三"], rowspan=len(inner)))
    rows: list[list[Cell]] = [
        [_head(T3_NOTE, rowspan=3, colspan=3), _head("申请人情况", colspan=7)],
        [
            _head("自然人", rowspan=2),
            _head("法人或其他组织", colspan=5),
            _head("总计", rowspan=2),
        ],
        [_head(T3_HEAD[c]) for c in col_ids[1:6]],
        data("new", [Cell(T3_ROW["new"], colspan=3)]),
        data("carried_in", [Cell(T3_ROW["carried_in"], colspan=3)]),
        *inner,
        data("carried_out", [Cell(T3_ROW["carried_out"], colspan=3)]),
    ]
    return Table("t3", era, rows, header_rows=3, notes=notes)


def build_t4(era: str, cells: dict[str, Any], cfg: dict[str, Any]) -> Table:
    """Table 四: 行政复议 (5) and 行政诉讼 (2 x 5) over one row of 15 values."""
    spec = cfg["tables"]["t4"]
    blocks = [b["id"] for b in spec["blocks"]]
    cols = spec["columns"]
    rows: list[list[Cell]] = [
        [_head("行政复议", rowspan=2, colspan=5), _head("行政诉讼", colspan=10)],
        [_head("未经复议直接起诉", colspan=5), _head("复议后起诉", colspan=5)],
        [_head(c["labels"][0]) for _ in blocks for c in cols],
        [_value(cells, f"t4.{b}.{c['id']}") for b in blocks for c in cols],
    ]
    return Table("t4", era, rows, header_rows=3)


def build_pre(cells: dict[str, Any], cfg: dict[str, Any]) -> Table:
    """The national 《政府信息公开情况统计表》: 统计指标 | 单位 | 统计数."""
    spec = cfg["tables"]["stat_pre2019"]
    fold = cfg.get("fold", {})
    rows: list[list[Cell]] = [[_head(h) for h in PRE_HEAD]]
    for r in spec["rows"]:
        if r.get("group"):
            label = PRE_GROUP[r["labels"][0]]
            rows.append([Cell(label), Cell("——"), Cell("")])
            continue
        if not r.get("id"):
            continue  # local rows without an id are not in the national form
        label = PRE_ROW[r["id"]]
        _check(label, r["labels"], fold)
        rows.append([Cell(label), Cell(r.get("unit") or ""), _value(cells, r["id"])])
    return Table("stat_pre2019", "pre2019", rows, header_rows=1)


def template_ids(era: str, cfg: dict[str, Any] | None = None) -> set[str]:
    """Every indicator id the templates of ``era`` print (both （六） forms for t3)."""
    cfg = cfg or load_config()
    tables = build_tables(era, {}, cfg)
    ids = {
        c.indicator for t in tables.values() for r in t.rows for c in r if c.indicator
    }
    if era == "2021":
        ids |= {
            c.indicator
            for r in build_t3(era, {"t3.other.total": 0}, cfg).rows
            for c in r
            if c.indicator
        }
    return ids


def gold_era(gold: dict[str, Any]) -> str:
    """The template era a gold file's tables are rendered in (2021 when unstated)."""
    return gold.get("meta", {}).get("template") or "2021"


def build_tables(
    era: str, cells: dict[str, Any], cfg: dict[str, Any] | None = None
) -> dict[str, Table]:
    """The tables of a report of ``era`` ("2019", "2021", "pre2019"), by kind."""
    cfg = cfg or load_config()
    if era == "pre2019":
        return {"stat_pre2019": build_pre(cells, cfg)}
    return {
        "t2": build_t2(era, cells, cfg),
        "t3": build_t3(era, cells, cfg),
        "t4": build_t4(era, cells, cfg),
    }
