#!/usr/bin/env python3
"""A TCP relay that holds every new connection for a while before it reaches its target, so
that requests the proxy sends upstream take long enough to overlap. Standard library only.

Usage: delay_relay.py TARGET_PORT DELAY_SECONDS
Listens on 127.0.0.1 (a free port), prints the port on stdout once listening, relays each
connection to 127.0.0.1:TARGET_PORT after DELAY_SECONDS. Stop it with SIGTERM.
"""
import signal
import socket
import sys
import threading
import time


def pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, target, delay):
    time.sleep(delay)
    try:
        upstream = socket.create_connection(("127.0.0.1", target))
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    back.start()
    pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()


def main():
    target, delay = int(sys.argv[1]), float(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, target, delay), daemon=True).start()


if __name__ == "__main__":
    main()
