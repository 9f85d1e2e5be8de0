#!/usr/bin/env python3
"""The slow-heads attacker of bench/run.sh (issue 16): CONNECTIONS connections from one source address, each
completes GET /healthz, then sends one byte of a second request and holds it. A connection the server refuses or
closes is opened again after RETRY seconds (default 1), so the attack keeps holding all it can until it is stopped (SIGTERM or
SIGINT) or UNTIL (seconds since the epoch) passes.

usage: slow_heads.py SOURCE HOST PORT CONNECTIONS UNTIL READY_FILE [RETRY]

Writes READY_FILE once every connection has been tried once (the attack is in place), and at the end one JSON line
on standard output: connections held when it was in place and when it stopped, the most held at once, how many
times the server refused a connection (503 or closed before the first answer) or closed a held one, and the CPU
seconds the attacker used while in place (it runs on the server's cores).
"""

import asyncio
import json
import signal
import sys
import time

RETRY = 1.0  # the default
# How long the first answer may take before the connection counts as refused.
ANSWER = 10.0


async def attack(source, host, port, connections, until, ready_file, retry):
    counts = {"held": 0, "held_max": 0, "refused": 0, "closed_held": 0, "errors": 0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(max(until - time.time(), 0), stop.set)
    request = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    tried = asyncio.Semaphore(0)

    async def hold_one(settled):
        """One connection: answered, then a byte of the next head, held until the server closes it. Calls
        `settled` once it holds or was refused."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, local_addr=(source, 0)), ANSWER)
        except (OSError, asyncio.TimeoutError):
            counts["errors"] += 1
            settled()
            return
        try:
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER)
            if not head.startswith(b"HTTP/1.1 200"):
                counts["refused"] += 1
                settled()
                return
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await asyncio.wait_for(reader.readexactly(length), ANSWER)
            writer.write(b"G")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            counts["refused"] += 1
            writer.close()
            settled()
            return
        counts["held"] += 1
        counts["held_max"] = max(counts["held_max"], counts["held"])
        settled()
        try:
            await reader.read()  # until the server closes it
            counts["closed_held"] += 1
        except OSError:
            counts["closed_held"] += 1
        finally:
            counts["held"] -= 1
            writer.close()

    async def slot():
        first = [True]

        def settled():
            if first[0]:
                first[0] = False
                tried.release()

        while not stop.is_set():
            attempt = asyncio.ensure_future(hold_one(settled))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([attempt, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                attempt.cancel()
                return
            try:
                await asyncio.wait_for(stop.wait(), retry)
            except asyncio.TimeoutError:
                pass

    slots = [asyncio.ensure_future(slot()) for _ in range(connections)]
    # In place once every connection was answered (and holds) or refused once.
    async def all_tried():
        for _ in range(connections):
            await tried.acquire()

    await asyncio.wait([asyncio.ensure_future(all_tried()), asyncio.ensure_future(stop.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    in_place = counts["held"]
    cpu_in_place = time.process_time()
    with open(ready_file, "w") as f:
        f.write(f"{in_place}\n")
    await stop.wait()
    held_at_stop = counts["held"]
    cpu_held = time.process_time() - cpu_in_place
    for s in slots:
        s.cancel()
    await asyncio.gather(*slots, return_exceptions=True)
    return {"source": source, "connections": connections, "retry_s": retry, "held_in_place": in_place,
            "held_at_stop": held_at_stop, "held_max": counts["held_max"], "refused": counts["refused"],
            "closed_held_by_server": counts["closed_held"], "connect_errors": counts["errors"],
            # CPU seconds the attacker itself used from in place to stop (on the server's cores: part of "other").
            "cpu_s": round(cpu_held, 2)}


def main():
    source, host, port, connections, until, ready_file = sys.argv[1:7]
    retry = float(sys.argv[7]) if len(sys.argv) > 7 else RETRY
    result = asyncio.run(attack(source, host, int(port), int(connections), float(until), ready_file, retry))
    print("BENCH_ATTACK " + json.dumps(result))


if __name__ == "__main__":
    main()
