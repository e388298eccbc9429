"""The patched threading module in fresh interpreters: threads are green threads, and the
upstream bugs listed in each test's docstring stay fixed."""

from __future__ import annotations


def test_current_thread_per_spawn_n_and_main_thread(run_python):
    """Upstream #731: current_thread() is distinct in each spawn_n green thread."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading
        from eventlet.greenthread import spawn_n, spawn, sleep
        seen = []
        def record():
            t = threading.current_thread()
            seen.append((t, threading.get_ident(), t is threading.current_thread()))
        for _ in range(3):
            spawn_n(record)
        spawn(record).wait()
        sleep(0)
        threads = [t for t, _, _ in seen]
        print(len(seen), len(set(map(id, threads))), len({ident for _, ident, _ in seen}))
        print(all(same for _, _, same in seen))
        print(threading.main_thread() not in threads)
        print(threading.current_thread() is threading.main_thread())
        print(threading.current_thread().name)
        """
    )
    assert result.lines == ["4 4 4", "True", "True", "True", "MainThread"]


def test_local_is_per_green_thread_and_subclass_takes_arguments(run_python):
    """Upstream #93: a threading.local subclass whose __init__ takes arguments works."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading
        from eventlet.greenthread import spawn, spawn_n, sleep
        class Tagged(threading.local):
            def __init__(self, tag, *, extra=0):
                self.tag = tag
                self.extra = extra
        data = threading.local()
        tagged = Tagged("t", extra=5)
        data.value = "main"
        def worker(n, out):
            out.append(getattr(data, "value", None))
            data.value = n
            sleep(0)
            out.append((data.value, tagged.tag, tagged.extra))
            tagged.tag = n
        out = []
        spawn(worker, 1, out).wait()
        spawn_n(worker, 2, out)
        sleep(0); sleep(0)
        print(out)
        print(data.value, tagged.tag)
        """
    )
    assert result.lines == [
        "[None, (1, 't', 5), None, (2, 't', 5)]",
        "main t",
    ]


def test_lock_made_before_patching_contended_by_green_threads(run_python):
    """Upstream #546 and #969: a Lock made before monkey_patch() does not deadlock the hub."""
    result = run_python(
        """
        import threading
        lock = threading.Lock()
        rlock = threading.RLock()
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import time
        from eventlet.greenthread import spawn
        order = []
        def worker(name):
            with lock:
                order.append(name + "+")
                time.sleep(0.01)  # holds the lock while other green threads run
                with rlock:
                    with rlock:
                        order.append(name + "-")
        threads = [spawn(worker, n) for n in "abc"]
        for t in threads:
            t.wait()
        print(order)
        print(type(lock).__module__, type(rlock).__module__)
        print(type(threading._active_limbo_lock).__module__)
        """
    )
    assert result.lines == [
        "['a+', 'a-', 'b+', 'b-', 'c+', 'c-']",
        "eventlet.green.thread eventlet.green.thread",
        "eventlet.green.thread",
    ]


def test_thread_join_is_alive_daemon_event_condition_timer(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading, time
        started = threading.Event()
        go = threading.Event()
        def body():
            started.set()
            go.wait()
        t = threading.Thread(target=body, daemon=True)
        t.start()
        print(started.wait(5), t.is_alive(), t.daemon)
        t.join(0.01)
        print(t.is_alive())
        go.set(); t.join()
        print(t.is_alive())
        print(threading.Event().wait(0.01))
        cond = threading.Condition()
        items = []
        def consumer():
            with cond:
                cond.wait_for(lambda: items)
                items.append("consumed")
        c = threading.Thread(target=consumer); c.start()
        time.sleep(0)
        with cond:
            items.append("produced"); cond.notify()
        c.join()
        print(items)
        fired = []
        timer = threading.Timer(0.01, fired.append, args=("fired",)); timer.start()
        cancelled = threading.Timer(0.01, fired.append, args=("cancelled",)); cancelled.start()
        cancelled.cancel()
        timer.join(); cancelled.join()
        print(fired)
        print(len(threading.enumerate()), threading.active_count())
        """
    )
    assert result.lines == [
        "True True True",
        "True",
        "False",
        "False",
        "['produced', 'consumed']",
        "['fired']",
        "1 1",
    ]


def test_thread_pool_executor(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import concurrent.futures, threading, time
        def work(n, release=None):
            if release is not None:
                release.wait()
            time.sleep(0)
            return n * n, threading.current_thread() is not threading.main_thread()
        with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
            print(list(pool.map(work, range(5))))
            releases = [threading.Event() for _ in range(5)]
            futures = [pool.submit(work, n, releases[n]) for n in range(5)]
            def release_backwards():
                for n in reversed(range(5)):
                    releases[n].set()
                    futures[n].result()
            threading.Thread(target=release_backwards).start()
            done = [f.result()[0] for f in concurrent.futures.as_completed(futures)]
        print(done)
        """
    )
    assert result.lines == [
        "[(0, True), (1, True), (4, True), (9, True), (16, True)]",
        "[16, 9, 4, 1, 0]",
    ]


def test_logging_from_many_green_threads(run_python):
    result = run_python(
        """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="%(threadName)s %(message)s",
                            level=logging.INFO)
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading, time
        log = logging.getLogger("scenario")
        def worker(n):
            for i in range(20):
                log.info("worker %d line %d", n, i)
                time.sleep(0)
        threads = [threading.Thread(target=worker, args=(n,), name=f"w{n}") for n in range(30)]
        for t in threads: t.start()
        for t in threads: t.join()
        """
    )
    assert len(result.lines) == 600
    for n in range(30):
        mine = [line for line in result.lines if line.startswith(f"w{n} ")]
        assert mine == [f"w{n} worker {n} line {i}" for i in range(20)]


def test_logging_from_a_real_os_thread_while_green_threads_log(run_python):
    """Upstream #432 and #662: an OS thread logging alongside green threads does not hang."""
    result = run_python(
        """
        import logging, sys
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet import patcher
        import threading, time
        logging.basicConfig(stream=sys.stdout, format="%(message)s", level=logging.INFO)
        log = logging.getLogger("scenario")
        real_threading = patcher.original("threading")
        def real_worker():
            for i in range(300):
                log.info("real %d", i)
        def green_worker(n):
            for i in range(100):
                log.info("green %d %d", n, i)
                time.sleep(0)
        real = real_threading.Thread(target=real_worker)
        greens = [threading.Thread(target=green_worker, args=(n,)) for n in range(3)]
        real.start()
        for t in greens: t.start()
        for t in greens: t.join()
        real.join()
        print("joined")
        """
    )
    assert result.lines[-1] == "joined"
    assert sorted(result.lines[:-1]) == sorted(
        [f"real {i}" for i in range(300)] + [f"green {n} {i}" for n in range(3) for i in range(100)]
    )


def test_green_lock_shared_with_a_real_os_thread(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet import patcher
        import threading, time
        real_threading = patcher.original("threading")
        lock = threading.Lock()
        counter = [0]
        def real_worker():
            for _ in range(2000):
                with lock:
                    value = counter[0]
                    counter[0] = value + 1
        def green_worker():
            for _ in range(500):
                with lock:
                    value = counter[0]
                    time.sleep(0)
                    counter[0] = value + 1
        real = real_threading.Thread(target=real_worker)
        real.start()
        greens = [threading.Thread(target=green_worker) for _ in range(4)]
        for t in greens: t.start()
        for t in greens: t.join()
        real.join()
        print(counter[0])
        """
    )
    assert result.lines == ["4000"]


def test_shutdown_waits_for_non_daemon_threads_and_pool_work(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading, time, concurrent.futures
        go = threading.Event()
        def late(name):
            go.wait()
            time.sleep(0.01)
            print(name, flush=True)
        threading.Thread(target=late, args=("thread done",)).start()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
        for n in range(4):
            pool.submit(late, f"task {n} done")
        daemon = threading.Thread(target=time.sleep, args=(60,), daemon=True)
        daemon.start()
        print("main done", flush=True)
        go.set()  # they all finish after the main thread has
        """
    )
    assert result.lines[0] == "main done"
    assert sorted(result.lines[1:]) == [
        "task 0 done",
        "task 1 done",
        "task 2 done",
        "task 3 done",
        "thread done",
    ]


def test_exit_prints_nothing(run_python):
    """Daemon threads and green threads still blocked (accept, recv, get, sleep) at exit."""
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import logging, queue, socket, threading, time
        logging.basicConfig()
        server = socket.create_server(("127.0.0.1", 0))
        def serve():
            while True:
                conn, _ = server.accept()
                conn.recv(10)
        threading.Thread(target=serve, daemon=True).start()
        client = socket.create_connection(server.getsockname())
        from eventlet.greenthread import spawn
        spawn(client.recv, 10)
        spawn(time.sleep, 30)
        threading.Thread(target=queue.Queue().get, daemon=True).start()
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        time.sleep(0.01)
        """
    )
    assert (result.out, result.err, result.returncode) == ("", "", 0)


def test_exit_code_and_exception_at_exit(run_python):
    result = run_python(
        """
        import eventlet.patcher, sys
        eventlet.patcher.monkey_patch()
        import threading
        t = threading.Thread(target=lambda: None)
        t.start()
        sys.exit(3)
        """,
        check=False,
    )
    assert (result.out, result.err, result.returncode) == ("", "", 3)


def test_pool_imported_before_patching_does_not_hold_up_exit(run_python):
    result = run_python(
        """
        import concurrent.futures.thread
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import time
        import threading
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
        go = threading.Event()
        def late(n):
            go.wait()
            time.sleep(0.02 * n)
            print("task", n, flush=True)
        for n in range(3):
            pool.submit(late, n)
        print("main done", flush=True)
        go.set()
        """
    )
    assert result.lines == ["main done", "task 0", "task 1", "task 2"]


def test_exit_waits_for_real_os_threads_too(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet import patcher
        real_threading = patcher.original("threading")
        go = real_threading.Event()
        def late():
            go.wait()
            print("real thread done", flush=True)
        real_threading.Thread(target=late).start()
        print("main done", flush=True)
        go.set()  # the real thread finishes only after the main thread has
        """
    )
    assert result.lines == ["main done", "real thread done"]


def test_logging_handler_made_before_patching_excludes_green_threads(run_python):
    """The handler's lock, made before patching, becomes green: one emit at a time."""
    result = run_python(
        """
        import logging, sys, time
        class SlowHandler(logging.Handler):
            def emit(self, record):
                print("start", record.getMessage())
                time.sleep(0)  # green after patching: other green threads run meanwhile
                print("end", record.getMessage())
        log = logging.getLogger("scenario")
        log.addHandler(SlowHandler())
        log.setLevel(logging.INFO)
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        import threading
        from eventlet.green import thread as green_thread
        print(type(logging._lock) is green_thread.RLock, type(log.handlers[0].lock).__name__)
        def worker(n):
            for i in range(3):
                log.info("%d.%d", n, i)
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        """
    )
    assert result.lines[0] == "True RLock"
    pairs = result.lines[1:]
    assert len(pairs) == 24
    for start, end in zip(pairs[::2], pairs[1::2], strict=True):
        assert start.startswith("start ") and end == "end " + start[len("start ") :]


def test_real_os_thread_joins_a_green_thread_and_sets_a_green_event(run_python):
    result = run_python(
        """
        import eventlet.patcher
        eventlet.patcher.monkey_patch()
        from eventlet import patcher
        import threading, time
        green = threading.Thread(target=time.sleep, args=(0.02,))
        green.start()
        done = threading.Event()
        seen = []
        def real_body():
            green.join()  # a real OS thread waits for a green thread of the main thread
            seen.append(green.is_alive())
            done.set()  # and wakes the main green thread
        real = patcher.original("threading").Thread(target=real_body)
        real.start()
        print(done.wait(10), seen)
        """
    )
    assert result.lines == ["True [False]"]
