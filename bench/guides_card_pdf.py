"""What printing a knowledge card costs: the 个体经营知晓卡 with 3 to 6 matters, rendered N times in
each layout (business card, A6, A4 sheet of ten), against a one-character document in the same
run (the embedded Chinese font alone), and what a repeated request costs from the cache."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from minsheng.core import pdf
from minsheng.guides import card_pdf
from minsheng.guides.card_layout import CardPrint
from minsheng.guides.cards import Essentials

BASE = "http://127.0.0.1:8000"
MATTERS = [
    ("KS-GT-001", "个体工商户设立登记", "开店先办营业执照，材料齐全当场办结。"),
    ("KS-SP-001", "食品经营许可（小餐饮）", "卖吃的要办食品经营许可证，承诺 5 个工作日办结。"),
    ("KS-CG-001", "户外招牌设置审批", "门头招牌要先报城管部门，设置前提交效果图。"),
    ("KS-WS-001", "公共场所卫生许可", "理发店、宾馆等公共场所开业前办理。"),
    ("KS-SW-001", "个体工商户税务信息确认", "领了营业执照后 30 日内到税务部门确认。"),
    ("KS-PS-001", "城镇污水排入排水管网许可", "餐饮店排放污水要办理排水许可。"),
]


def essentials(code: str, title: str, summary: str) -> Essentials:
    return Essentials(
        code=code,
        title=title,
        summary=summary,
        materials=(
            ("经营者身份证", 1, 1),
            ("经营场所使用证明（租房合同或房产证）", 1, 1),
            ("申请书（窗口领取或网上下载）", 1, 0),
        ),
        steps=(("申请", "到窗口或网上提交材料"), ("受理审核", ""), ("领取证照", "")),
        phones=(("登记咨询", "0512-57512345"), ("投诉", "12345")),
        place="昆山市前进西路1801号 政务服务中心一楼",
        hours="工作日 9:00-17:00",
        promised_days=0,
        visits=1,
        url=f"{BASE}/guides/{code}?s=qr",
    )


def the_card(count: int) -> CardPrint:
    return CardPrint(
        code="getihu",
        title="个体经营知晓卡",
        audience="准备开店的个体经营者",
        intro="开店前看一看：要办哪些事、带什么材料、到哪里办、打哪个电话。",
        hotline="12345",
        issuer="昆山市政务服务管理办公室",
        url=f"{BASE}/guides/cards/getihu?s=qr",
        items=tuple(essentials(*m) for m in MATTERS[:count]),
    )


def baseline() -> None:
    """One character on a business card: the font parsed, subset and embedded, nothing else."""
    doc = pdf.new_document("card")
    doc.add_page()
    pdf.write_text(doc, "卡", x=5, y=5, width=80, size=10)
    pdf.to_bytes(doc)


def measure(work: Callable[[], object], n: int) -> tuple[float, float]:
    """Mean and p95 in milliseconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.fmean(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20, help="renders per layout")
    parser.add_argument("--matters", type=int, default=4, choices=range(3, 7))
    args = parser.parse_args()
    card = the_card(args.matters)
    for layout in card_pdf.LAYOUTS:  # warm: imports, first font read from disk
        card_pdf.render(card, layout, cache=False)
    base_mean, base_p95 = measure(baseline, args.n)
    print(f"{args.matters} matters, {args.n} renders each (no cache)")
    print(f"  {'baseline (font only)':<22} mean {base_mean:7.1f} ms  p95 {base_p95:7.1f} ms")
    for layout in card_pdf.LAYOUTS:
        mean, p95 = measure(lambda x=layout: card_pdf.render(card, x, cache=False), args.n)
        done = card_pdf.render(card, layout)
        label = f"{layout} ({done.pages} p, {len(done.content) // 1024} KB)"
        print(
            f"  {label:<22} mean {mean:7.1f} ms  p95 {p95:7.1f} ms  ratio {mean / base_mean:5.2f}x"
            + ("  overflow" if done.overflow else "")
        )
    mean, p95 = measure(lambda: card_pdf.render(card, "card"), args.n)
    print(f"  {'card, cached':<22} mean {mean:7.3f} ms  p95 {p95:7.3f} ms")


if __name__ == "__main__":
    main()
