"""Starts test/reference_server.py as a child process with our op library loaded."""
import os
import queue
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OP_LIBRARY = os.environ.get('TFSRP_OP_LIBRARY') or os.path.join(
    ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so')
MODELS = os.path.join(ROOT, 'test', 'fixtures', 'models')


def start_reference_server():
    """Returns (process, 'host:port'); the process exits when its stdin closes."""
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, 'test', 'reference_server.py'),
         '--models', MODELS, '--op-library', OP_LIBRARY],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(server.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=120)
    except queue.Empty:
        line = ''
    if not line.startswith('PORT '):
        server.kill()
        raise RuntimeError(f'reference server did not start (got {line!r}, exit code {server.poll()})')
    return server, f'127.0.0.1:{int(line.split()[1])}'


def stop_reference_server(server):
    server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
