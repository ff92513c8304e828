"""The words of statuses, sources, outcomes, crawl outcomes and tiers, in Vietnamese and English: one
vocabulary for the reports and the review app (``(vi, en)`` pairs; Vietnamese first on every page)."""

from __future__ import annotations

STATUS_LABELS = {
    "pass": ("Đạt", "pass"),
    "partial": ("Đạt một phần", "partial"),
    "fail": ("Không đạt", "fail"),
    "unknown": ("Chưa xác định", "unknown"),
    "not_applicable": ("Không áp dụng", "not applicable"),
}
SOURCE_LABELS = {
    "observed": ("Quan sát", "observed"),
    "self": ("Tự báo cáo", "self-reported"),
    "reviewer": ("Người duyệt", "reviewer"),
}
OUTCOME_LABELS = {
    "confirmed": ("Khớp", "confirmed"),
    "overclaimed": ("Báo cáo cao hơn thực tế", "overclaimed"),
    "underclaimed": ("Báo cáo thấp hơn thực tế", "underclaimed"),
    "value_mismatch": ("Số liệu lệch", "value mismatch"),
    "unverifiable": ("Không kiểm chứng được", "unverifiable"),
    "not_reported": ("Không báo cáo", "not reported"),
}
DISAGREEMENTS = frozenset({"overclaimed", "underclaimed", "value_mismatch"})
CRAWL_LABELS = {
    "ok": ("Đã kiểm tra", "audited"),
    "partial": ("Kiểm tra một phần", "partly audited"),
    "unreachable": ("Không truy cập được", "unreachable"),
    "blocked": ("Bị chặn", "blocked"),
    "no_portal": ("Không có cổng thông tin", "no portal"),
}
TIER_LABELS = {
    "province": ("Cấp tỉnh", "provinces"),
    "district": ("Cấp huyện", "districts"),
    "commune": ("Cấp xã", "communes"),
}

RUN_STATUS_LABELS = {
    "running": ("Đang chạy", "running"),
    "finished": ("Đã xong", "finished"),
    "failed": ("Thất bại", "failed"),
    "abandoned": ("Bỏ dở", "abandoned"),
}
DECISION_LABELS = {**STATUS_LABELS, "exclude": ("Loại khỏi xếp hạng", "excluded from ranking")}
DECISION_LABELS.update({
    "confirm": ("Giữ kết quả quan sát", "confirmed as observed"),
    "include": ("Đưa lại vào xếp hạng", "ranked again"),
})
DISPUTE_LABELS = {
    "open": ("Chờ xem xét", "open"),
    "retesting": ("Đang kiểm tra lại", "re-testing"),
    "upheld": ("Chấp nhận khiếu nại", "upheld"),
    "rejected": ("Không chấp nhận", "rejected"),
}
RETEST_LABELS = {
    "queued": ("Đang chờ", "queued"),
    "running": ("Đang kiểm tra", "running"),
    "finished": ("Đã kiểm tra lại", "finished"),
    "failed": ("Không kiểm tra được", "failed"),
}
LEVEL_LABELS = {
    "none": ("Chưa đạt mức nào", "no level"),
    "I": ("Mức I", "level I"),
    "II": ("Mức II", "level II"),
    "III": ("Mức III", "level III"),
    "IV": ("Mức IV", "level IV"),
}
