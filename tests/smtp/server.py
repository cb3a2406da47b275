"""A real SMTP server for Rujukan's e-mail tests (aiosmtpd), on loopback.

    python3 tests/smtp/server.py PORT DIR

Every message accepted is written to DIR as <n>.eml. Recipients whose address starts with
"reject" are refused with 550, as a mail server refuses an unknown mailbox. Stops on SIGTERM.
"""

import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = os.path.join(self.folder, f"{self.count:05d}.eml")
        with open(name + ".part", "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.rename(name + ".part", name)
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
