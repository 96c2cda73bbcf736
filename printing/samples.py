"""Sample case / county data for docs, selftest and benchmarks (not real people)."""
from __future__ import annotations

import copy as _copy

COUNTY = {
    "county_name": "示范县",
    "centre_name": "示范县政务服务中心",
    "supervision_phone": "0571-12345678",
    "departments": {
        "D01": "县发展和改革局", "D03": "县市场监督管理局", "D07": "县供电公司",
        "D09": "县自然资源和规划局", "D12": "县住房和城乡建设局", "D15": "县人力资源和社会保障局",
    },
    "grade_days": {"simple": 1, "general": 3, "complex": 5},
}

CASE = {
    "id": "01938a6e-7c2b-7d4e-9a10-3f5b2c1d0e9f",
    "receipt_no": "HT01-20261204-0007",
    "window_code": "HT01",
    "uscc": "91330100MA27XK5L3H",
    "enterprise_name": "示范县恒通精密机械制造有限公司",
    "contact": "李晓明",
    "phone": "18212349800",
    "channel": "窗口",
    "title": "厂区变压器频繁跳闸影响生产",
    "content": ("我公司位于示范县经济开发区纬三路18号，近一个月来厂区10kV专用变压器频繁跳闸，"
                "平均每周3至4次，每次停电约40分钟，导致数控机床加工中断、工件报废，"
                "已造成直接经济损失约12万元。希望供电公司尽快派人排查线路故障原因，"
                "并协调开发区管委会对园区配电设施进行改造。"),
    "category": "水电气保障",
    "lead_dept": "D07",
    "co_depts": ["D01", "D12"],
    "grade": "general",
    "received_at": "2026-12-04T09:32:15+08:00",
    "due_at": "2026-12-09T18:00:00+08:00",
    "deadline_provisional": 0,
    "first_owner": "zhangwei",
    "status": "received",
    "rework_count": 0,
    "rating": None,
    "reason": None,
}

CLERK = "张伟"

REPLY = {
    "dept_code": "D07",
    "analysis": ("经现场排查，跳闸原因为厂区进线电缆中间接头老化绝缘下降，"
                 "雨天受潮后发生对地放电，引起保护动作。"),
    "measures": ("1. 已于12月6日更换故障电缆中间接头并做耐压试验；\n"
                 "2. 对开发区纬三路沿线配电设施开展专项巡视，发现隐患2处，已列入本月检修计划；\n"
                 "3. 安排客户经理每周回访一次，持续跟踪用电情况。"),
    "policy_basis": "《供电营业规则》第四十七条；《示范县优化营商环境若干措施》第十二条。",
    "replied_at": "2026-12-07T16:20:00+08:00",
}


def case(**over) -> dict:
    c = _copy.deepcopy(CASE)
    c.update(over)
    return c


def county(**over) -> dict:
    c = _copy.deepcopy(COUNTY)
    c.update(over)
    return c
