"""The channels' pages, one file per channel: QR boxes, estates and repairs, reception days,
and staff entry (hotline, window, inspection)."""

from fastapi import APIRouter

from minsheng.channels import pages_boxes, pages_entry, pages_estates, pages_reception, pages_repair

router = APIRouter()
for part in (pages_boxes, pages_estates, pages_repair, pages_reception, pages_entry):
    router.include_router(part.router)
