"""A separate OS process that books over HTTP (used by the parallel-process API test).

Run as: python http_booking_client.py <base_url> <mall> <service> <date> <slot> <nik,...>
        <start_at> <concurrency>
Each NIK is posted once; every third one is sent twice with one Idempotency-Key (a
retry). A 503 (shed) is retried shortly after, as a client honouring Retry-After would.
Prints one JSON line: [[nik, status, code, booking_code, replayed], ...].
"""

import asyncio
import json
import random
import sys
import time
import uuid

import httpx

RETRIES_503 = 50


async def main() -> None:
    base, mall, service, date, slot = sys.argv[1:6]
    niks = sys.argv[6].split(",")
    start_at, concurrency = float(sys.argv[7]), int(sys.argv[8])
    path = f"{base}/api/v1/malls/{mall}/bookings"
    out = []
    todo = iter(enumerate(niks))
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async with httpx.AsyncClient(timeout=60) as client:

        async def post(nik, headers):
            payload = {"service": service, "date": date, "slot": slot, "nik": nik,
                       "name": "Warga Uji", "phone": f"0813{nik[-8:]}"}  # fmt: skip
            for _ in range(RETRIES_503):
                response = await client.post(path, json=payload, headers=headers)
                if response.status_code != 503:
                    return response
                await asyncio.sleep(random.uniform(0.05, 0.2))  # a short Retry-After
            return response

        async def worker():
            for i, nik in todo:
                headers = {"Idempotency-Key": str(uuid.uuid4())} if i % 3 == 0 else {}
                for _ in range(2 if headers else 1):
                    response = await post(nik, headers)
                    data = response.json()
                    out.append(
                        [
                            nik,
                            response.status_code,
                            data.get("code") if response.status_code != 201 else None,
                            data.get("code") if response.status_code == 201 else None,
                            response.headers.get("Idempotent-Replayed") == "true",
                        ]
                    )

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main())
