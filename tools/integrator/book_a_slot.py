"""An integrator's first script, on the client openapi-python-client generates from
Driehoek's OpenAPI document: page through a city's work visits with a school key,
find a slot with seats left and book it, safely retried with an Idempotency-Key.

    python book_a_slot.py <base url> <tenant> <school key>

CI generates the client, checks this file with `mypy --strict` and runs it against a
server with the demo data (tools/contract-checks).
"""

import datetime
import sys
import uuid

from driehoek_api_client import AuthenticatedClient
from driehoek_api_client.api.bookings import bookings_create
from driehoek_api_client.api.work_visits import slots_list, work_visits_list
from driehoek_api_client.models import (
    BookingIn,
    BookingOut,
    ContactDto,
    ListOfSlotOut,
    ListOfWorkVisitOut,
    SlotOut,
    SlotStatus,
    WorkVisitOut,
)
from driehoek_api_client.types import UNSET, Unset


def every_work_visit(client: AuthenticatedClient, tenant: str) -> list[WorkVisitOut]:
    """All pages of the catalogue, following `next_cursor` until it is null."""
    visits: list[WorkVisitOut] = []
    cursor: str | Unset = UNSET
    while True:
        page = work_visits_list.sync(
            tenant=tenant, client=client, available=True, limit=2, cursor=cursor
        )
        if not isinstance(page, ListOfWorkVisitOut):
            raise SystemExit(f"listing work visits failed: {page}")
        visits.extend(page.data)
        if not isinstance(page.next_cursor, str):
            return visits
        cursor = page.next_cursor


def open_slots(client: AuthenticatedClient, tenant: str, visit: WorkVisitOut) -> list[SlotOut]:
    slots = slots_list.sync(tenant=tenant, work_visit_id=visit.id, client=client)
    if not isinstance(slots, ListOfSlotOut):
        raise SystemExit(f"listing slots failed: {slots}")
    now = datetime.datetime.now(datetime.timezone.utc)
    return [
        slot
        for slot in slots.data
        if slot.status == SlotStatus.SCHEDULED
        and slot.seats_left >= visit.group_size_min
        and slot.starts_at > now
    ]


def main(base_url: str, tenant: str, key: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=key)
    visits = every_work_visit(client, tenant)
    print(f"{len(visits)} work visits with seats left")
    for visit in visits:
        for slot in open_slots(client, tenant, visit):
            request = BookingIn(
                slot_id=slot.id,
                group_name="Integrator test group",
                seats=visit.group_size_min,
                contact=ContactDto(name="Integrator"),
            )
            attempt = f"integrator-{uuid.uuid4()}"
            first = bookings_create.sync_detailed(
                tenant=tenant, client=client, body=request, idempotency_key=attempt
            )
            if not isinstance(first.parsed, BookingOut):
                print(f"slot {slot.id}: {first.status_code}, trying the next")
                continue
            again = bookings_create.sync_detailed(
                tenant=tenant, client=client, body=request, idempotency_key=attempt
            )
            assert again.status_code == first.status_code == 201
            assert again.headers.get("idempotent-replayed") == "true"
            print(f"booked {visit.title!r} at {slot.starts_at}: booking {first.parsed.id}")
            return
    raise SystemExit("no slot could be booked")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
