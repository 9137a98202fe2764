"""Where to put the dense confidence threshold (RETRIEVAL_MIN_DENSE) for the encoder in use.

    .venv/bin/python benchmarks/dense_threshold.py [--json out.json]

Searches the in-domain dev questions (eval/retrieval_dev.jsonl, eval/answers_dev.jsonl) and
off-topic probes (OFF_TOPIC below: everyday questions outside public services, some sharing
words with the domain) and prints, for candidate thresholds, how many would pass the
`actions.retrieval.confident` rule (dense >= T, or BM25 >= 9, or dense >= T - 0.1 with
BM25 >= 5): in-domain questions whose top result is right should pass, probes should not.
Uses the index of the settings (built if stale).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dvcbot.quiet  # noqa: E402,F401
from common.settings import get_settings  # noqa: E402
from knowledge.finetune import embedding_model  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402

# Written for this calibration, not taken from any log; not used for training.
OFF_TOPIC = [
    "dự báo thời tiết Hà Nội ngày mai thế nào", "thoi tiet sai gon hom nay co mua khong",
    "giá vàng hôm nay bao nhiêu một chỉ", "gia xang tang hay giam",
    "cách nấu phở bò ngon", "cach lam banh mi tai nha",
    "đội tuyển Việt Nam đá mấy giờ tối nay", "ket qua bong da ngoai hang anh",
    "mua điện thoại trả góp lãi suất bao nhiêu", "iphone 16 gia bao nhieu",
    "tài khoản ngân hàng bị trừ tiền lạ thì báo ngân hàng nào", "mo the tin dung ngan hang nao tot",
    "viết giúp tôi một bài thơ về mùa thu", "ke chuyen cuoi di",
    "hồ sơ xin việc gồm những gì để nộp công ty", "cach viet cv xin viec",
    "bệnh sốt xuất huyết uống thuốc gì", "dau da day nen an gi",
    "học tiếng Anh online ở đâu tốt", "thi ielts het bao nhieu tien",
    "đặt vé máy bay đi Đà Nẵng", "tour du lich phu quoc 3 ngay",
    "mượn tiền bạn không trả thì làm sao", "nuoi meo can chuan bi gi",
    "mấy giờ rồi", "1 cong 1 bang may",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    settings = get_settings()
    retriever = Retriever.load(settings.index_dir, embedding_model(settings))
    retrieval = [json.loads(line) for line in open(ROOT / "eval" / "retrieval_dev.jsonl", encoding="utf-8") if line.strip()]
    answers = [json.loads(line) for line in open(ROOT / "eval" / "answers_dev.jsonl", encoding="utf-8") if line.strip()]

    def top(question):
        results = retriever.search(question, k=1)
        return results[0] if results else None

    right = []  # in-domain, top-1 right: (dense, lexical)
    for item in retrieval:
        best = top(item["question"])
        if best and best.id in item["relevant"]:
            right.append((best.dense, best.lexical))
    in_domain = [(r.dense, r.lexical) for r in map(top, (i["question"] for i in answers)) if r]
    probes = [(r.dense, r.lexical) for r in map(top, OFF_TOPIC) if r]

    def passing(pairs, t):
        return sum(1 for d, l in pairs if d >= t or l >= settings.retrieval_min_lexical
                   or (d >= t - 0.1 and l >= settings.retrieval_min_lexical / 2 + 0.5))

    report = {"model": retriever.encoder.model_path, "thresholds": {}}
    print(f"encoder: {retriever.encoder.model_path} (current threshold {settings.retrieval_min_dense})")
    print("probe top-1 cosine: " + ", ".join(f"{d:.3f}" for d, _ in sorted(probes, reverse=True)))
    print(f"{'T':>5} {'dev right top-1 pass':>22} {'answers_dev pass':>17} {'off-topic pass':>15}")
    dense = sorted(d for d, _ in right)
    print("dev right top-1 cosine quartiles: " + ", ".join(f"{dense[int(q * (len(dense) - 1))]:.3f}" for q in (0, 0.25, 0.5, 0.75, 1)))
    grid = [round(0.30 + 0.05 * i, 3) for i in range(8)] + [round(0.80 + 0.01 * i, 3) for i in range(16)]
    for t in grid:
        row = {"dev_right": passing(right, t) / len(right), "answers_dev": passing(in_domain, t) / len(in_domain), "off_topic": passing(probes, t)}
        report["thresholds"][str(t)] = row
        print(f"{t:>5} {row['dev_right']:>22.3f} {row['answers_dev']:>17.3f} {row['off_topic']:>12}/{len(probes)}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
