"""Stage ``tables``: real tables cut from corpora/sample (normalised), one per shape."""

from __future__ import annotations

import copy
import re

import pytest
from conftest import ROOT

from nlp.config import load_schema
from nlp.config.indicators import parse_schema
from nlp.errors import ConfigError
from nlp.records import Meta, Report, Source
from nlp.stages.tables import TableParser
from nlp.stages.tables.streams import Constraint, solve, split_row
from nlp.stages.tables.view import PUNCT, Fold, LabelMatcher, TextView, ZoneReader


@pytest.fixture(scope="module")
def parser() -> TableParser:
    return TableParser().initialize()


def cells_of(
    parser: TableParser, text: str, year: int | None = None, kind: str | None = None
):
    tables = parser.parse(text, None, year)
    out = {}
    for table in tables:
        if kind and table.kind != kind:
            continue
        for cell in table.cells:
            if cell.indicator and cell.indicator not in out:
                out[cell.indicator] = cell
    return tables, out


# --------------------------------------------------------------------------- config


def test_schema_has_every_spec_indicator():
    ids = load_schema().indicators
    assert len([i for i in ids if i.startswith("t3.")]) == 26 * 7
    assert len([i for i in ids if i.startswith("t4.")]) == 15
    assert len([i for i in ids if i.startswith("pre.")]) == 61
    assert len([i for i in ids if i.startswith("t2.")]) == 29
    for iid in (
        "t2.fees.amount",
        "t2.licensing.change",
        "t3.other_misc.total",
        "t3.other.natural",
        "pre.apply.denied_not_gov_info",
        "pre.org.budget",
    ):
        assert iid in ids
    assert (
        ids["t2.fees.amount"].unit == "万元" and ids["t2.fees.amount"].type == "decimal"
    )
    assert ids["t2.licensing.change"].type == "signed"
    assert ids["t3.other.total"].eras == ("2019",)


def _raw_config():
    import yaml

    from nlp.config import CONFIG_DIR

    return yaml.safe_load((CONFIG_DIR / "indicators.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["tables"]["t3"].update(colour="red"), "unknown key 'colour'"),
        (
            lambda d: d["tables"]["t3"]["rows"][0].update(lable=["x"]),
            "unknown key 'lable'",
        ),
        (
            lambda d: d["tables"]["t3"]["rows"].append({"id": "new", "labels": ["x"]}),
            "duplicate row 'new'",
        ),
        (
            lambda d: d["tables"]["stat_pre2019"]["rows"].append(
                {"id": "pre.fees", "labels": ["x"]}
            ),
            "duplicate row 'pre.fees'",
        ),
        (
            lambda d: d["relations"][0].update(left=["nowhere"]),
            "unknown operand 'nowhere'",
        ),
        (
            lambda d: d["tables"]["t2"]["rows"][0]["columns"].update(
                {"2021": ["made", "bogus"]}
            ),
            "unknown column 'bogus'",
        ),
        (lambda d: d["tables"]["t3"].update(type="float"), "type must be one of"),
    ],
)
def test_schema_rejects_bad_config(mutate, message):
    data = copy.deepcopy(_raw_config())
    mutate(data)
    with pytest.raises(ConfigError, match=message):
        parse_schema(data, "test.yaml")


# ------------------------------------------------------------------ pre-2019 tables

# 000_*: pipe rows, unit inside the value, a garbled note after the label.
PRE_000 = """指标 | 完成数量 |
一、主动公开情况 |

(一)主动公开政府信息数(不同渠道和方式公开相同信息计1条) | 1628条 |
其中:主动公开规范性文件数 | 0条 |
制发规范性文件总数 | 0件 |
(二)通过不同渠道和方式公开政府信息的情况 |

1.政府公报公开政府信息数 | 0条 |
2.政府网站公开政府信息数 | 1627条 |
二、回应解读情况 |

(一)回应公众关注热点或重大舆情数(不同方式回应同一热点或舆情计1次)一热点或舆情计1次) | 1次 |
四、行政复议数量 | 0件 |
(一)维持具体行政行为数 | 0件 |
(二)被依法纠错数 | 0件 |
(三)其他情形数 | 0件 |
五、行政诉讼数量 | 0件 |
(一)维持具体行政行为或者驳回原告诉讼请求数 | 0件 |
(二)被依法纠错数 | 0件 |
(三)其他情形数 | 0件 |
六、举报投诉数量 | 261件 |
七、依申请公开信息收取的费用 | 0万元 |
(四)政府信息公开专项经费(不包括用于政府公报编辑管理及政府网站建设维护等方面的经费) | 10万元 |
九、政府信息公开会议和培训情况 |
"""

# 001_*: a unit column, blank cells, a truncated label.
PRE_001 = """填报单位:西区管委会
统计指标 | 单位 | 统计数 |
一、主动公开情况 | —— |

(一)主动公开政府信息数(不同渠道和方式公开相同信息计1条) | 条 | 873 |
其中:主动公开规范性文件数 | 条 |

制发规范性文件总数 | 件 |

2.政府网站公开政府信息数 | 条 | 842 |
3.政务微博公开政府信息数 | 条 |

4.政务微信公开政府信息数 | 条 | 31 |
(三)从事政府信息公开工作人员数 | 人 | 2 |
1.专职人员数(不包括政府公报及政府网站工作人员数) | 人 |

2.兼职人员数 | 人 | 2 |
(四)政府信息公开专项经费(不包括用于政府公报编 | 万元 |
"""

# pingtan-zone-2014: 本年度 and 历年累计 columns, separated by spaces.
PRE_PT2014 = (
    "六、平潭综合实验区政府信息公开情况统计表指标名称计量单位2014年度历年累计主动公开文件数条"
    "2543 78967其中:1、政府网站公开数条2543 78967 2、政府公报公开数条0 0受理依申请公开信息"
    "总数条1 1其中:1、当面申请数条0 0 2、网上申请数条0 0 3、信函、传真申请数条1 1对申请的答复"
    "总数条1 1其中:1、同意公开答复数条1 1 2、同意部分公开答复数条0 0 3、不予公开答复数条0 0 "
    "4、其他类型答复数条0 0政府信息公开收费减免金额元0 0接受行政诉讼、举报数件0 0行政复议数件"
    "0 0行政诉讼数件0 0"
)

# pingtan-zone-2018: the same table with its digits run together.
PRE_PT2018 = (
    "六、政府信息公开情况统计表指标名称计量单位2018年度历年累计主动公开文件数条206912106其中:"
    "1.政府网站公开数条2069121062.政府公报公开数条00受理依申请公开信息总数条00其中:1.当面申请数"
    "条002.网上申请数条003.信函、传真申请数条00对申请的答复总数条00其中:1.同意公开答复数条002."
    "同意部分公开答复数条003.不予公开答复数条004.其他类型答复数条00接受行政诉讼、举报数件00"
    "行政复议数件00行政诉讼数件00"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            PRE_000,
            {
                "pre.proactive.total": (1628, "条", "ok"),
                "pre.proactive.website": (1627, "条", "ok"),
                "pre.response.hotspots": (1, "次", "ok"),
                "pre.review.corrected": (0, "件", "ok"),
                "pre.litigation.upheld": (0, "件", "ok"),
                "pre.litigation.other": (0, "件", "ok"),
                "pre.complaints.total": (261, "件", "ok"),
                "pre.fees": (0, "万元", "ok"),
                "pre.org.budget": (10, "万元", "ok"),
            },
        ),
        (
            PRE_001,
            {
                "pre.proactive.total": (873, "条", "ok"),
                "pre.proactive.normative": (None, "条", "empty"),
                "pre.proactive.normative_issued": (None, "件", "empty"),
                "pre.proactive.weibo": (None, "条", "empty"),
                "pre.proactive.wechat": (31, "条", "ok"),
                "pre.org.staff_full": (None, "人", "empty"),
                "pre.org.staff_part": (2, "人", "ok"),
                "pre.org.budget": (None, "万元", "empty"),
            },
        ),
        (
            PRE_PT2014,
            {
                "pre.proactive.total": (2543, "条", "ok"),
                "pre.proactive.gazette": (0, "条", "ok"),
                "pre.apply.received": (1, "条", "ok"),
                "pre.apply.online": (0, "条", "ok"),
                "pre.apply.denied": (0, "条", "ok"),
                "pre.review.total": (0, "件", "ok"),
                "pre.litigation.total": (0, "件", "ok"),
            },
        ),
        (
            PRE_PT2018,
            {
                "pre.proactive.total": (None, "条", "unreadable"),
                "pre.proactive.website": (None, "条", "unreadable"),
                "pre.proactive.gazette": (0, "条", "inferred"),
                "pre.apply.received": (0, "条", "inferred"),
                "pre.apply.granted": (0, "条", "inferred"),
                "pre.litigation.total": (0, "件", "inferred"),
            },
        ),
    ],
    ids=["unit-in-value", "unit-column-blanks", "two-columns", "run-together"],
)
def test_pre2019_shapes(parser, text, expected):
    tables, cells = cells_of(parser, text, 2016)
    assert [t.kind for t in tables] == ["stat_pre2019"]
    for iid, (value, unit, status) in expected.items():
        cell = cells[iid]
        assert (cell.value, cell.unit, cell.status) == (value, unit, status), iid
        if status in ("ok", "inferred"):
            assert text[cell.start : cell.end] == cell.raw


def test_pre2019_cumulative_column_has_no_indicator(parser):
    tables, _ = cells_of(parser, PRE_PT2014)
    cumulative = [c for c in tables[0].cells if c.column == "历年累计"]
    assert cumulative and all(c.indicator is None for c in cumulative)
    assert [c.value for c in cumulative[:2]] == [78967, 78967]
    # Local rows keep their label without an id (信函、传真申请数 merges two rows).
    merged = [c for c in tables[0].cells if "传真" in c.row and c.column == "本年度"]
    assert merged[0].indicator is None and merged[0].value == 1


def test_pre2019_run_together_notes(parser):
    tables, _ = cells_of(parser, PRE_PT2018)
    notes = " ".join(tables[0].notes)
    assert "inferred" in notes and "unreadable" in notes


# --------------------------------------------------------------- 2019/2021 tables

# hongze-district-2023.pdf as the ingest gives it: one row per line, labels split.
HONGZE_2023 = (
    "第二十条第(一)项\n信息内容本年制发件数本年废止件数现行有效件数\n规章0 0 0\n行政规范性文件0 5 5\n"
    "第二十条第(五)项\n信息内容本年处理决定数量\n行政许可550\n第二十条第(六)项\n信息内容本年处理"
    "决定数量\n行政处罚4119\n行政强制195\n第二十条第(八)项\n信息内容本年收费金额(单位:万元)\n"
    "行政事业性收费7730.28\n三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项"
    "之和,等\n于第三项加第四项之和)\n申请人情况\n自然人\n法人或其他组织\n总计\n商业\n企业\n科研\n"
    "机构\n其他\n一、本年新收政府信息公开申请数量21 0 0 0 0 0 21\n二、上年结转政府信息公开申请数量"
    "0 0 0 0 0 0 0\n三\n、\n本\n年\n度\n办\n理\n结\n果\n(一)予以公开0 0 0 0 0 0 0\n(二)部分公开"
    "(区分处理的,只计这一情形,不\n计其他情形)\n4 0 0 0 0 0 4\n(三)不予公开\n1.属于国家秘密1 0 0 0 "
    "0 0 1\n2.其他法律行政止公开0 0 0 0 0 0 0\n3.危及“三安全一稳定”0 0 0 0 0 0 0\n4.保护第三方合法"
    "权益0 0 0 0 0 0 0\n5.属于三类内部事务信息0 0 0 0 0 0 0\n6.属于四类过程性信息1 0 0 0 0 0 1\n7.属于"
    "行政执法案卷1 0 0 0 0 0 1\n8.属于行政查询事项0 0 0 0 0 0 0\n(四)无法提供\n1.本机关不掌握相关政府"
    "信息10 0 0 0 0 0 10\n2.没有现成信息需要另行制作3 0 0 0 0 0 3\n3.补正后申请内容仍不明确0 0 0 0 0 "
    "0 0\n(五)不予处理\n1.信访举报投诉类申请1 0 0 0 0 0 1\n2.重复申请0 0 0 0 0 0 0\n3.要求提供公开"
    "出版物0 0 0 0 0 0 0\n4.无正当理由大量反复申请0 0 0 0 0 0 0\n5.要求行政机关确认或重新出具\n已获取"
    "信息\n0 0 0 0 0 0 0\n(六)其他处理0 0 0 0 0 0 0\n(七)总计21 0 0 0 0 0 21\n四、结转下年度继续办理"
    "0 0 0 0 0 0 0\n四、政府信息公开行政复议、行政诉讼情况\n行政复议行政诉讼\n结果\n维持\n结果\n纠正\n"
    "其他\n结果\n尚未\n审结\n总计\n未经复议直接起诉复议后起诉\n结果\n维持\n结果\n纠正\n其他\n结果\n尚未"
    "\n审结\n总计\n结果\n维持\n结果\n纠正\n其他\n结果\n尚未\n审结\n总计\n10 1 0 0 0 0 0 0 0 0 5 0 0 0 0\n"
    "五、存在的主要问题及改进情况\n2023年,洪泽区政府信息公开工作取得一定的成效。"
)

# huaian-city-2024.pdf: group labels broken over lines, the three (六) sub-rows.
HUAIAN_2024 = (
    "三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项之和,\n等于第三项加第四"
    "项之和)\n申请人情况\n一、本年新收政府信息公开申请数量3001 53 0 0 61 4 3119\n(二)部分公开(区分"
    "处理的,只计这一情\n形,不计其他情形)\n447 7 0 0 0 0 454\n(三)不\n予公开\n1.属于国家秘密2 0 0 0 0 "
    "0 2\n8.属于行政查询事项105 0 0 0 0 0 105\n(四)无\n1.本机关不掌握相关政府信息746 12 0 0 10 1 769\n"
    "法提供2.没有现成信息需要另行制作11 0 0 0 0 0 11\n(五)不\n予处理\n5.要求行政机关确认或重新出\n具已"
    "获取信息\n1 0 0 0 0 0 1\n(六)其\n他处理\n1、申请人无正当理由逾期不补\n正、行政机关不再处理其政府"
    "信\n息公开申请\n67 3 0 0 1 0 71\n2、申请人逾期未按收费通知要\n求缴纳费用、行政机关不再处理\n其政府"
    "信息公开申请\n6 0 0 0 0 0 6\n3、其他108 2 0 0 0 0 110\n(七)总计2932 53 0 0 61 4 3050\n四、结转下年"
    "度继续办理103 0 0 0 0 0 103\n四、政府信息公开行政复议、行政诉讼情况\n"
)

# 002_*: one cell per line, 2019 layout.
ONE_CELL_002 = (
    "第二十条第(一)项\n\n信息内容\n\n本年新\n制作数量\n\n本年新\n公开数量\n\n对外公开总数量\n\n规章\n\n0\n\n"
    "0\n\n0\n\n规范性文件\n\n12\n\n12\n\n12\n\n第二十条第(五)项\n\n信息内容\n\n上一年项目数量\n\n本年增/减"
    "\n\n处理决定数量\n\n行政许可\n\n5\n\n0\n\n0\n\n第二十条第(八)项\n\n信息内容\n\n上一年项目数量\n\n"
    "本年增/减\n\n行政事业性收费\n\n0\n\n0\n\n三、收到和处理政府信息公开申请情况\n\n(本列数据的勾稽关系"
    "为:第一项加第二项之和,等于第三项加第四项之和)\n\n申请人情况\n\n自然人\n\n法人或其他组织\n\n总计\n\n"
    "一、本年新收政府信息公开申请数量\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n(二)部分公开(区分处理的,只计这"
    "一情形,不计其他情形)\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n(六)其他处理\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0"
    "\n\n(七)总计\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n0\n\n四、政府信息公开行政复议、行政诉讼情况\n\n"
)

# pingtan-zone-2021: the crawler dropped every cell border.
STREAM_PT2021 = (
    "二、主动公开政府信息情况 第二十条第(一)项信息内容本年制发件数本年废止件数现行有效件数规章 000"
    "行政规范性文件693665第二十条第(五)项信息内容本年处理决定数量行政许可2293第二十条第(六)项信息内容"
    "本年处理决定数量行政处罚1282行政强制42第二十条第(八)项信息内容本年收费金额(单位:万元)行政事业性"
    "收费24252.311082三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于"
    "第三项加第四项之和)申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
    "一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000三、本年度办理结果"
    "(一)予以公开270020130(二)部分公开(区分处理的,只计这一情形,不计其他情形)500000 5(三)不予公开1.属于"
    "国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”00000004.保护第三方合法权益"
    "00000005.属于三类内部事务信息10000016.属于四类过程性信息00000007.属于行政执法案卷60000068.属于行政"
    "查询事项1000001(四)无法提供1.本机关不掌握相关政府信息2200003252.没有现成信息需要另行制作00000003."
    "补正后申请内容仍不明确0000000(五)不予处理1.信访举报投诉类申请00000002.重复申请00000003.要求提供公开"
    "出版物00000004.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000(六)其他处理"
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请00000002.申请人逾期未按收费通知要求"
    "缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他1000001(七)总计630020469四、结转下年度继续"
    "办理1000001四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
    "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
    "10203120001200000五、存在的主要问题及改进情况(一)存在的主要问题:政策解读形式不够丰富。"
)

# A Markdown rendering of an HTML table (merged cells pad rows with blank cells).
MARKDOWN = """| 第二十条第(一)项 | | | |
|---|---|---|---|
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 0 | 0 | 0 |
| 行政规范性文件 | 3 | — | 8 |
| 第二十条第(六)项 | | | |
| 信息内容 | 本年处理决定数量 | | |
| 行政处罚 | 2776 | | |
| 行政强制 | / | | |

| (本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | | 申请人情况 | | | | | | |
|---|---|---|---|---|---|---|---|---|
| | | 自然人 | 商业 企业 | 科研 机构 | 社会公益 组织 | 法律服务 机构 | 其他 | 总计 |
| 一、本年新收政府信息公开申请数量 | | 95 | 0 | 0 | 无 | 0 | 0 | 95 |
| 三、本年度办理结果 | (一)予以公开 | 50 | 0 | 0 | 0 | 0 | 0 | 50 |

| 行政复议 | | | | | 行政诉讼 | | | | | | | | | |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | | | | | 复议后起诉 | | | | |
| 1 | 1 | 0 | 0 | 2 | 1 | 0 | 0 | 0 | 1 | 2 | 0 | 1 | 0 | 3 |
"""


@pytest.mark.parametrize(
    "text, year, expected",
    [
        (
            HONGZE_2023,
            2023,
            {
                "t2.normative.repealed": (5, "ok"),
                "t2.licensing.decisions": (550, "ok"),
                "t2.fees.amount": (7730.28, "ok"),
                "t3.new.total": (21, "ok"),
                "t3.partial.natural": (4, "ok"),
                "t3.denied_law.total": (0, "ok"),
                "t3.rejected_confirm.total": (0, "ok"),
                "t3.other.natural": (0, "ok"),
                "t3.total.total": (21, "ok"),
                "t3.carried_out.total": (0, "ok"),
                "t4.review.upheld": (10, "ok"),
                "t4.review.total": (0, "ok"),
                "t4.lit_after.upheld": (5, "ok"),
                "t4.lit_after.total": (0, "ok"),
            },
        ),
        (
            HUAIAN_2024,
            2024,
            {
                "t3.new.legal_service": (61, "ok"),
                "t3.partial.total": (454, "ok"),
                "t3.denied_inquiry.total": (105, "ok"),
                "t3.unable_not_held.other_org": (1, "ok"),
                "t3.unable_create.total": (11, "ok"),
                "t3.rejected_confirm.natural": (1, "ok"),
                "t3.other_overdue.legal_service": (1, "ok"),
                "t3.other_unpaid.total": (6, "ok"),
                "t3.other_misc.commercial": (2, "ok"),
                "t3.total.total": (3050, "ok"),
                "t3.carried_out.natural": (103, "ok"),
            },
        ),
        (
            ONE_CELL_002,
            2019,
            {
                "t2.normative.new_made": (12, "ok"),
                "t2.normative.total_published": (12, "ok"),
                "t2.licensing.prev_items": (5, "ok"),
                "t2.licensing.change": (0, "ok"),
                "t2.fees.prev_items": (0, "ok"),
                "t3.partial.total": (0, "ok"),
                "t3.other.total": (0, "ok"),
                "t3.total.natural": (0, "ok"),
            },
        ),
        (
            STREAM_PT2021,
            2021,
            {
                "t2.rules.valid": (0, "inferred"),
                "t2.normative.made": (None, "unreadable"),
                "t2.normative.valid": (None, "unreadable"),
                "t2.licensing.decisions": (2293, "ok"),
                "t2.fees.amount": (24252.311082, "ok"),
                "t3.new.natural": (64, "inferred"),
                "t3.new.nonprofit": (2, "inferred"),
                "t3.new.total": (70, "inferred"),
                "t3.granted.natural": (27, "inferred"),
                "t3.granted.total": (30, "inferred"),
                "t3.partial.total": (5, "inferred"),
                "t3.unable_not_held.natural": (22, "inferred"),
                "t3.unable_not_held.other_org": (3, "inferred"),
                "t3.other_misc.natural": (1, "inferred"),
                "t3.total.total": (69, "inferred"),
                "t4.review.other": (2, "inferred"),
                "t4.review.total": (3, "inferred"),
                "t4.lit_direct.upheld": (12, "inferred"),
                "t4.lit_after.total": (0, "inferred"),
            },
        ),
        (
            MARKDOWN,
            2024,
            {
                "t2.normative.made": (3, "ok"),
                "t2.normative.repealed": (None, "empty"),
                "t2.punishment.decisions": (2776, "ok"),
                "t2.coercion.decisions": (None, "empty"),
                "t3.new.natural": (95, "ok"),
                "t3.new.nonprofit": (None, "empty"),
                "t3.granted.total": (50, "ok"),
                "t4.review.total": (2, "ok"),
                "t4.lit_after.other": (1, "ok"),
            },
        ),
    ],
    ids=[
        "pdf-lines",
        "pdf-split-labels",
        "one-cell-per-line",
        "run-together",
        "markdown",
    ],
)
def test_modern_shapes(parser, text, year, expected):
    _, cells = cells_of(parser, text, year)
    got = {
        iid: (cells[iid].value, cells[iid].status) for iid in expected if iid in cells
    }
    assert got == expected
    for iid, (_, status) in expected.items():
        cell = cells[iid]
        if status != "unreadable":
            assert text[cell.start : cell.end] == cell.raw
        if status == "empty":
            assert cell.raw in ("/", "—", "无")


def test_table_kinds_and_layouts(parser):
    tables, _ = cells_of(parser, HONGZE_2023, 2023)
    assert [(t.kind, t.layout) for t in tables] == [
        ("t2", "2021"),
        ("t3", "2019"),
        ("t4", None),
    ]
    assert [len(t.cells) for t in tables] == [10, 23 * 7, 15]
    tables, _ = cells_of(parser, ONE_CELL_002, 2019)
    assert tables[0].layout == "2019"
    tables, _ = cells_of(parser, HUAIAN_2024, 2024)
    assert tables[0].layout == "2021"


def test_cells_point_into_text(parser):
    tables, _ = cells_of(parser, HONGZE_2023, 2023)
    for table in tables:
        assert 0 <= table.start <= table.end <= len(HONGZE_2023)
        for cell in table.cells:
            assert table.start <= cell.start <= cell.end <= table.end
    t4 = tables[2].cells
    assert (t4[0].row, t4[0].column) == ("行政复议", "结果维持")
    assert (t4[14].row, t4[14].column) == ("复议后起诉", "总计")


def test_stream_notes(parser):
    tables, _ = cells_of(parser, STREAM_PT2021, 2021)
    t2 = tables[0]
    assert any("split in several ways" in n for n in t2.notes)
    assert any("inferred" in n for n in tables[1].notes)


def test_stage_fills_tables(parser):
    report = Report(
        doc_id="hongze",
        source=Source(path="x.pdf", sha256="", format="pdf"),
        text=HONGZE_2023,
        meta=Meta(year=2023, template="2021"),
    )
    out = parser(report)
    assert out is report and [t.kind for t in out.tables] == ["t2", "t3", "t4"]
    assert [t.id for t in out.tables] == ["table-0", "table-1", "table-2"]
    again = Report.from_dict(out.to_dict())
    assert again.tables == out.tables


@pytest.mark.parametrize(
    "text",
    [
        "2023年,我区主动公开政府信息1136条,受理政府信息公开申请21件。",
        "各项指标完成良好。本年度收到申请数较上年有所增加。",
    ],
)
def test_no_table_in_prose(parser, text):
    assert parser.parse(text, None, 2023) == []


def test_traditional_characters(parser):
    text = (
        "一、本年新收政府信息公開申請數量21 0 0 0 0 0 21\n(七)總計21 0 0 0 0 0 21\n"
        "四、結轉下年度繼續辦理0 0 0 0 0 0 0\n"
    )
    text = "(本列數據的勾稽關係為:第一項加第二項之和)\n" + text
    _, cells = cells_of(parser, text, 2021)
    assert (
        cells["t3.new.total"].value == 21 and cells["t3.carried_out.natural"].value == 0
    )


# ------------------------------------------------------------------ label matcher


@pytest.mark.parametrize(
    "text",
    [
        "一、收到申请数：本年新收、政府信息公开申请数量 12",
        "（一）本年新收,政府信息公开申请数量；上年结转政府信息公开申请数量",
        "本年新收政府信息公开申请数、、量",  # two marks in a row: no match across them
        "本年新收\uffff政府信息公开申请数量",  # the stand-in itself in the text
    ],
)
def test_label_matcher_allows_one_mark_between_characters(text):
    labels = ["本年新收政府信息公开申请数量", "政府信息公开申请数量", "收到申请数"]
    matcher = LabelMatcher([(label, label) for label in labels], Fold())
    view = TextView(text, 0, len(text), Fold())
    # What the matcher means: each label, longest first, one optional mark between
    # its characters, matched on the view as it is.
    mark = "[" + re.escape(PUNCT) + "]?"
    reference = re.compile(
        "|".join(
            mark.join(map(re.escape, key))
            for key in sorted(matcher.payloads, key=len, reverse=True)
        )
    )
    expected = [(m.start(), m.end()) for m in reference.finditer(view.s)]
    assert [(h.core_start, h.end) for h in matcher.find(view)] == expected
    assert expected or "、、" in text


# ------------------------------------------------------------------ stream splitter


def _tokens(text: str):
    view = TextView(text, 0, len(text), Fold())
    return ZoneReader(["件", "条"]).read(view, 0, len(text)).tokens


def _r2(values):
    return values[6] == sum(values[:6])


@pytest.mark.parametrize(
    "digits, ncols, check, expected",
    [
        ("640020470", 7, _r2, [(64, 0, 0, 2, 0, 4, 70)]),
        ("7000007", 7, None, [(7, 0, 0, 0, 0, 0, 7)]),
        ("500000 5", 7, _r2, [(5, 0, 0, 0, 0, 0, 5)]),
        ("000", 3, None, [(0, 0, 0)]),
        ("100", 2, None, [(10, 0)]),  # "00" can't be a cell
        ("2121", 2, lambda v: v[1] >= v[0], [(2, 121), (21, 21)]),
    ],
)
def test_split_row(digits, ncols, check, expected):
    candidates, _ = split_row(_tokens(digits), ncols, check)
    assert sorted(tuple(p.value for p in c) for c in candidates) == expected


def test_split_row_ambiguous_without_relation():
    candidates, _ = split_row(_tokens("898989"), 3)
    values = {tuple(p.value for p in c) for c in candidates}
    assert (89, 89, 89) in values and len(values) > 1


def test_split_row_impossible():
    assert split_row(_tokens("12"), 3)[0] == []


def test_solve_uses_relations_between_rows():
    # Row 0 = row 1 + row 2 (one column). Row 1 is ambiguous on its own.
    candidates = [[(5,)], [(2,), (4,)], [(3,)]]
    keep = solve(candidates, [Constraint("eq", ((0, 0),), ((1, 0), (2, 0)))])
    assert keep == [[0], [0], [0]]
    # Without a relation both stay.
    assert solve(candidates, [])[1] == [0, 1]
    # When nothing satisfies the relation, every row keeps its own candidates.
    assert solve(
        [[(9,)], [(2,), (4,)], [(3,)]], [Constraint("eq", ((0, 0),), ((1, 0), (2, 0)))]
    )[1] == [0, 1]


# ------------------------------------------- layouts of docs/../FIELD-GUIDE.md classes


def cleaned(text: str, fmt: str = "md"):
    """``text`` as the cleaner leaves it (the tables stage reads cleaned text)."""
    from conftest import make_report

    from nlp.stages.normalize import Cleaner

    report = make_report(text)
    report.source.format = fmt
    return Cleaner().initialize()(report).text


# Blank pipe cells (class 1): never deleted, never merged into a neighbour.
BLANK_CELLS = """| (本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |
|---|---|---|---|---|---|---|---|
| 一、本年新收政府信息公开申请数量 | 412 | 20 |  |  | 3 | 1 | 436 |
| (七)总计 | 412 | 20 |  |  | 3 | 1 | 436 |
| 四、结转下年度继续办理 | 43 |  |  |  |  | 6 | 49 |
"""

# A PDF-to-Markdown conversion (class 2): a label lifted out of the grid, below its row.
DETACHED = """(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)
| (三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
| 3 | 0 | 0 | 0 | 0 | 0 | 3 |
| 3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
2.其他法律行政法规禁
止公开
"""

# Table 四 whose header words are stacked a word a line (class 3).
STACKED_T4 = """四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
未经复议直接起诉 复议后起诉
结果 结果 其他 尚未 总计 结果 结果 其他 尚未 总计 结果 结果 其他 尚未 总计
维持 纠正 结果 审结 维持 纠正 结果 审结 维持 纠正 结果 审结
| 5 | 0 | 1 | 0 | 6 | 0 | 0 | 0 | 1 | 1 | 2 | 0 | 0 | 0 | 2 |
"""

# Separator rows under every fragment (class 4): dropped at cleaning, never a row.
SEPARATORS = """### 行政复议
| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |
|----------|----------|----------|----------|------|
| 4 | 1 | 0 | 2 | 7 |
"""

# Numbers printed in cells of their own, too few for the columns (class 11).
TOO_FEW = """第二十条第(一)项
9
(其中修订 3 件)
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| 规章 | 4 | 120 |
"""

# A signed column among counts (class 6, 2019 layout, digits run together).
SIGNED = (
    "第二十条第(一)项\n信息内容本年新制作数量本年新公开数量对外公开总数量\n规章0 0 0\n"
    "第二十条第(六)项\n信息内容上一年项目数量本年增/减处理决定数量\n行政处罚3120 -5260\n"
)

# A unit-suffixed last cell before the next line (class 21).
UNIT_LAST = (
    "第二十条第(一)项\n| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n"
    "| 规章 | 0 | 0 | 0 |\n第二十条第(九)项\n| 信息内容 | 采购项目数量 | 采购总金额 |\n"
    "| 政府集中采购 | 3 | 5200元\n三、收到和处理政府信息公开申请情况\n"
)

# One cell a line, blank cells as empty lines.
ONE_CELL_BLANKS = (
    "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)\n自然人\n商业企业\n科研机构\n"
    "社会公益组织\n法律服务机构\n其他\n总计\n一、本年新收政府信息公开申请数量\n412\n20\n\n\n3\n1\n436\n"
    "二、上年结转政府信息公开申请数量\n\n0\n0\n0\n0\n0\n0\n"
)


@pytest.mark.parametrize(
    "text, year, expected",
    [
        (
            BLANK_CELLS,
            2022,
            {
                "t3.new.natural": (412, "ok"),
                "t3.new.research": (None, "empty"),
                "t3.new.nonprofit": (None, "empty"),
                "t3.new.legal_service": (3, "ok"),
                "t3.new.total": (436, "ok"),
                "t3.carried_out.commercial": (None, "empty"),
                "t3.carried_out.other_org": (6, "ok"),
                "t3.carried_out.total": (49, "ok"),
            },
        ),
        (
            DETACHED,
            2022,
            {
                "t3.denied_secret.total": (0, "ok"),
                # Placed by its order alone, and no column relation can confirm it in
                # this cut: read, but `inferred` (a check never fails on it).
                "t3.denied_law.natural": (3, "inferred"),
                "t3.denied_law.total": (3, "inferred"),
                "t3.denied_safety.total": (0, "ok"),
            },
        ),
        (
            STACKED_T4,
            2022,
            {
                "t4.review.other": (1, "ok"),
                "t4.review.total": (6, "ok"),
                "t4.lit_direct.total": (1, "ok"),
                "t4.lit_after.upheld": (2, "ok"),
                "t4.lit_after.total": (2, "ok"),
            },
        ),
        (
            SEPARATORS,
            2022,
            {
                "t4.review.upheld": (4, "ok"),
                "t4.review.pending": (2, "ok"),
                "t4.review.total": (7, "ok"),
            },
        ),
        (
            TOO_FEW,
            2022,
            {
                "t2.rules.made": (None, "unreadable"),
                "t2.rules.repealed": (None, "unreadable"),
                "t2.rules.valid": (None, "unreadable"),
            },
        ),
        (
            SIGNED,
            2019,
            {
                "t2.punishment.prev_items": (3120, "inferred"),
                "t2.punishment.change": (None, "unreadable"),
                "t2.punishment.decisions": (None, "unreadable"),
            },
        ),
        (
            UNIT_LAST,
            2019,
            {"t2.procurement.items": (3, "ok"), "t2.procurement.amount": (5200, "ok")},
        ),
        (
            ONE_CELL_BLANKS,
            2022,
            {
                "t3.new.commercial": (20, "ok"),
                "t3.new.research": (None, "empty"),
                "t3.new.nonprofit": (None, "empty"),
                "t3.new.legal_service": (3, "ok"),
                "t3.new.total": (436, "ok"),
                "t3.carried_in.natural": (None, "empty"),
                "t3.carried_in.total": (0, "ok"),
            },
        ),
    ],
    ids=[
        "blank-pipe-cells",
        "label-below-its-row",
        "stacked-t4-header",
        "separator-rows",
        "too-few-own-cells",
        "signed-column",
        "unit-last-cell",
        "one-cell-a-line-blanks",
    ],
)
def test_field_guide_shapes(parser, text, year, expected):
    text = cleaned(text)
    _, cells = cells_of(parser, text, year)
    got = {
        iid: (cells[iid].value, cells[iid].status) for iid in expected if iid in cells
    }
    assert got == expected
    for iid, (_, status) in expected.items():
        if status == "ok":
            assert text[cells[iid].start : cells[iid].end] == cells[iid].raw


def test_order_fills_only_a_decided_gap(parser):
    # One row printed without its label where two template rows are missing between
    # its neighbours: the order cannot say which, so it is not read (and noted).
    text = DETACHED.replace("| 3.危及“三安全一稳定” |", "| 4.保护第三方合法权益 |")
    tables, cells = cells_of(parser, cleaned(text), 2022)
    assert "t3.denied_law.natural" not in cells
    assert "t3.denied_safety.natural" not in cells
    assert cells["t3.denied_third_party.total"].value == 0
    assert any("fits several template rows" in n for n in tables[0].notes)


def test_a_split_breaking_its_row_relation_is_read_and_left_to_the_check(parser):
    # 7000008 can only be 7|0|0|0|0|0|8, which breaks R2 (7 ≠ 8): the printed row
    # breaks its relation however it is cut, so that cut is its admissible reading,
    # shown, and recorded for the check to judge (which then fails it).
    text = (
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)\n"
        "一、本年新收政府信息公开申请数量7000008\n二、上年结转政府信息公开申请数量0 0 0 0 0 0 0\n"
    )
    tables, cells = cells_of(parser, text, 2022)
    new = [cells[f"t3.new.{c}"] for c in ("natural", "total")]
    assert [(c.value, c.status) for c in new] == [(7, "inferred"), (8, "inferred")]
    assert [a.splits for a in tables[0].ambiguities] == [[[7, 0, 0, 0, 0, 0, 8]]]
    assert any("[E413]" in n for n in tables[0].notes)


def test_html_spans_become_blank_cells(parser, tmp_path):
    from conftest import clean_report

    page = (
        "<html><body><p>二、主动公开政府信息情况</p><table>"
        '<tr><td colspan="4">第二十条第（一）项</td></tr>'
        "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        "<tr><td>规章</td><td>1</td><td>&nbsp;</td><td>11</td></tr>"
        '<tr><td colspan="4">第二十条第（五）项</td></tr>'
        '<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>'
        '<tr><td>行政许可</td><td colspan="3">12</td></tr>'
        "</table></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    _, cells = cells_of(parser, clean_report(path).text, 2022)
    assert (cells["t2.rules.repealed"].value, cells["t2.rules.repealed"].status) == (
        None,
        "empty",
    )
    assert (cells["t2.rules.valid"].value, cells["t2.licensing.decisions"].value) == (
        11,
        12,
    )


def test_order_placed_rows_confirmed_by_the_relations(parser):
    # huaian-city-2024 as a pipe table, one row's label lost: the row between its
    # neighbours is placed by its order, and R1/R3 confirm it; with a value that
    # breaks R3 it is still placed, but `inferred`.
    path = ROOT / "corpora" / "layouts" / "md_pipe" / "huaian-city-2024.md"
    source = path.read_text(encoding="utf-8").replace("2.其他法律行政法规禁止公开", "")
    for text, status in (
        (source, "ok"),
        (source.replace("| 30 | 1 |", "| 31 | 1 |"), "inferred"),
    ):
        tables, cells = cells_of(parser, cleaned(text), 2024)
        t3 = next(t for t in tables if t.kind == "t3")
        assert len(t3.cells) == 25 * 7
        assert cells["t3.denied_law.commercial"].value == 1
        assert cells["t3.denied_law.total"].status == status
        assert {c.status for c in t3.cells if "denied_law" not in c.indicator} == {"ok"}
        assert any("placed by their order" in n for n in t3.notes)
