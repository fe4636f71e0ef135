"""Guide search over 10,000 matters: p50/p95/max per kind of query, next to a naive LIKE scan.

Run: `.venv/bin/python bench/guides_search.py [--matters 10000] [--queries 400] [--seed 7]
[--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]` (about a minute; default a
temporary SQLite file; with --url a database is created on that server and dropped afterwards).

It generates matters with varied, realistic Chinese titles (a town, an object, an action, a
variant: 千灯镇食品经营许可（小餐饮）), keywords and summaries, spread over 30 units, writes them
straight into the migrated schema, builds the index once (timed, and again after one edit), then
runs a mix of queries: two-character Chinese, long phrases, full pinyin, initials and typos.
Each search is `minsheng.guides.search.search()` as the page and the API call it, including the
freshness check (a generation query at most once a second); p50/p95/max are wall-clock,
"cpu p95" is the process's own CPU time (on a shared machine the difference is time spent
waiting for a core). The baseline is what one
would write without an index: one `LIKE '%q%'` over title, keywords and summary in the database
for the same query text (it finds nothing for pinyin, initials and typos, and is still slower).
Figures, never pass or fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, insert, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))
from audit_overhead import fresh_url  # noqa: E402  (the same temporary databases)

from minsheng.core.db import Actor, Database, utcnow  # noqa: E402
from minsheng.core.migrate import upgrade  # noqa: E402
from minsheng.core.modules import import_models  # noqa: E402
from minsheng.guides import search  # noqa: E402
from minsheng.guides.models import Matter, MatterVersion, SynonymGroup  # noqa: E402
from minsheng.org.models import Unit, UnitKind  # noqa: E402

TOWNS = ["", "", "", "千灯镇", "周庄镇", "锦溪镇", "张浦镇", "巴城镇", "陆家镇", "淀山湖镇"]
OBJECTS = {
    "个体工商户": "开业 开店 个体户",
    "食品经营": "饭店 餐馆 小吃",
    "户外招牌": "门头 店招 广告",
    "店招标牌": "门头 招牌",
    "营业执照": "执照 开业",
    "居民身份证": "身份证",
    "居住证": "暂住 外来人员",
    "机动车驾驶证": "驾照 驾驶证",
    "建设工程规划": "规划 建房",
    "排水许可": "排水 污水",
    "公共场所卫生": "卫生许可 美容美发",
    "烟草专卖零售": "卖烟 烟草",
    "药品经营": "药店",
    "医疗器械经营": "器械",
    "道路运输": "货运 客运",
    "出租汽车": "出租车 网约车",
    "养老机构": "养老院 敬老院",
    "民办学校": "培训机构 学校",
    "房屋租赁": "租房 出租",
    "不动产": "房产证 过户",
    "住房公积金": "公积金 提取",
    "社会保险": "社保 参保",
    "失业保险金": "失业金",
    "医疗保险": "医保 报销",
    "生育津贴": "生育 产假",
    "残疾人证": "残疾",
    "最低生活保障": "低保",
    "老年人优待证": "老年证 敬老",
    "犬只": "养狗 狗证",
    "婚姻": "结婚 离婚",
    "出生医学证明": "出生证 新生儿",
    "户口": "落户 迁户口",
    "消防安全检查": "消防",
    "特种设备": "电梯 锅炉",
    "危险化学品经营": "危化品",
    "城市道路占用": "占道",
    "夜间施工": "施工 噪声",
    "建筑垃圾处置": "渣土",
    "环境影响评价": "环评",
    "排污许可": "排污",
    "广告发布": "广告",
    "人力资源服务": "人力资源 中介",
    "劳务派遣": "派遣",
    "职业技能等级": "技能证书",
    "专利": "知识产权",
    "商标": "注册商标",
    "发票": "开票 税务",
    "高新技术企业": "高企",
    "农村宅基地": "宅基地 建房",
    "林木采伐": "砍树",
}
ACTIONS = ["设立登记", "变更登记", "注销登记", "许可", "审批", "核发", "换领", "补领", "备案"]
ACTIONS += ["延续", "申领", "认定", "年检", "迁移", "办理", "查询"]
VARIANTS = ["", "", "", "（个人）", "（企业）", "（首次申请）", "（小餐饮）", "（延续）"]
QUERIES = {
    "chinese-2": ["开业", "执照", "招牌", "许可", "登记", "换领", "补领", "社保", "户口", "低保"],
    "phrase": [
        "我想开一家小饭店",
        "个体工商户设立登记",
        "营业执照丢了怎么补领",
        "户外招牌设置审批",
        "千灯镇食品经营许可",
        "住房公积金提取需要什么材料",
    ],
    "pinyin": ["kaiye", "yingyezhizhao", "shenfenzheng", "zhaopai", "gong ji jin", "hukou"],
    "initials": ["ky", "yyzz", "mt", "sfz", "gjj", "dbh"],
    "typo": ["营业执招", "开页", "身分证", "公积全", "kaiyr", "gongjijn", "shenfenzhen"],
}


def generate(database: Database, n: int, seed: int) -> None:
    """n matters with one published version each, written in bulk."""
    rng = random.Random(seed)
    now = utcnow()
    with database.session(Actor(kind="system", label="bench")) as db:
        units = [f"昆山市第{i}政务服务单位" for i in range(30)]
        db.execute(
            insert(Unit),
            [{"name": u, "kind": UnitKind.department, "path": "/", "active": True} for u in units],
        )
        unit_ids = list(db.scalars(select(Unit.id)))
        titles: set[str] = set()
        objects = list(OBJECTS)
        while len(titles) < n:
            town, obj = rng.choice(TOWNS), rng.choice(objects)
            titles.add(f"{town}{obj}{rng.choice(ACTIONS)}{rng.choice(VARIANTS)}")
        matters, versions = [], []
        for i, title in enumerate(sorted(titles)):
            obj = next(o for o in objects if o in title)
            matters.append(
                {
                    "id": i + 1,
                    "code": f"KS-{i:05d}",
                    "unit_id": rng.choice(unit_ids),
                    "status": "published",
                    "current_number": 1,
                    "withdrawn_reason": "",
                }
            )
            versions.append(
                {
                    "matter_id": i + 1,
                    "number": 1,
                    "title": title,
                    "kind": "行政许可",
                    "summary": f"办理{title}，材料齐全当场受理，{rng.randint(1, 20)}个工作日办结。",
                    "keywords": OBJECTS[obj],
                    "valid_from": now,
                }
            )
        db.execute(insert(Matter), matters)
        db.execute(insert(MatterVersion), versions)
        db.add(SynonymGroup(words="门头 招牌 店招"))


def like_scan(db: Session, query: str) -> int:
    pattern = f"%{query}%"
    stmt = (
        select(MatterVersion.matter_id)
        .join(Matter, Matter.id == MatterVersion.matter_id)
        .where(MatterVersion.number == Matter.current_number)
        .where(
            or_(
                MatterVersion.title.like(pattern),
                MatterVersion.keywords.like(pattern),
                MatterVersion.summary.like(pattern),
            )
        )
        .limit(20)
    )
    return len(db.scalars(stmt).all())


def figures(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--matters", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default=None, help="PostgreSQL server URL")
    args = parser.parse_args()
    import_models()
    url = fresh_url(args.url)
    upgrade(url)
    database = Database(url)
    started = time.perf_counter()
    generate(database, args.matters, args.seed)
    print(f"database: {database.engine.dialect.name}, {args.matters} matters")
    print(f"  generated in {time.perf_counter() - started:.1f} s")
    rng = random.Random(args.seed)
    kinds = list(QUERIES)
    plan = [(k, rng.choice(QUERIES[k])) for k in (rng.choice(kinds) for _ in range(args.queries))]
    ours: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    naive: dict[str, list[float]] = defaultdict(list)
    with database.session(Actor(kind="system", label="bench")) as db:
        start = time.perf_counter()
        search.index_for(db)
        print(f"  index built in {time.perf_counter() - start:.2f} s (cold)")
        for kind, query in plan:
            start, used = time.perf_counter(), time.process_time()
            search.search(db, query=query)
            ours[kind].append(time.perf_counter() - start)
            cpu[kind].append(time.process_time() - used)
            start = time.perf_counter()
            like_scan(db, query)
            naive[kind].append(time.perf_counter() - start)
    with database.session(Actor(kind="system", label="bench")) as db:
        one = db.get(MatterVersion, 1)
        assert one is not None
        one.title = one.title + "（新）"  # a bench shortcut: real edits publish a new version
        db.get(Matter, 1).updated_at = utcnow()  # type: ignore[union-attr]
    with database.session(Actor(kind="system", label="bench")) as db:
        start = time.perf_counter()
        search.search(db, query="开业")
        print(f"  rebuilt after one edit in {time.perf_counter() - start:.2f} s")
    header = f"  {'kind':<10} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    print(header + f" {'cpu p95':>8} {'LIKE p50':>9} {'LIKE p95':>9} {'ratio p95':>10}")
    rows = [(kind, ours[kind], cpu[kind], naive[kind]) for kind in kinds]
    rows.append(("all", sum(ours.values(), []), sum(cpu.values(), []), sum(naive.values(), [])))
    for kind, wall, used, like in rows:
        p50, p95, top = figures(wall)
        c95 = figures(used)[1]
        l50, l95, _ = figures(like)
        print(
            f"  {kind:<10} {len(wall):>4} {p50:>8.2f} {p95:>8.2f} {top:>8.2f} {c95:>8.2f}"
            f" {l50:>9.2f} {l95:>9.2f} {l95 / p95:>9.1f}x"
        )
    print("  (wall-clock ms; cpu: this process's own CPU time, which other load does not inflate;")
    print("   ratio: how many times faster the index is than the LIKE scan, at p95)")
    database.dispose()
    if args.url:  # leave the server as we found it
        name = make_url(url).database
        with create_engine(args.url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
