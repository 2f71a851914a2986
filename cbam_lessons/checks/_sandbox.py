"""Run a student's code so that nothing it does can crash the checker.

Every call goes through :func:`attempt`: an exception becomes a verdict that
explains it, a call that runs too long is stopped (SIGALRM where available,
else abandoned in a daemon thread), and NotImplementedError means "not yet".
The time limit is a BaseException raised again every half second, so code that
catches ``Exception`` cannot swallow it; KeyboardInterrupt is never caught.
"""

from __future__ import annotations

import signal
import threading

from ._verdict import Verdict, verdict

TIME_LIMIT_S = 5.0


#: After the limit, the alarm repeats this often, in case the code caught the first one.
REPEAT_S = 0.5
#: The name of the thread that runs a student's code off the main thread; one still alive was abandoned.
ABANDONED_THREAD_NAME = "cbam-checker-student-code"


class _TimeLimit(BaseException):
    """Not an Exception: ``except Exception`` in the student's code must not stop it."""


#: The public name of the time limit's exception, for callers that run code with :func:`with_time_limit`.
TimeLimit = _TimeLimit


class Outcome(Exception):
    """Raised inside a checker to stop with a verdict; the public check functions catch it."""

    def __init__(self, result: Verdict):
        super().__init__(result.message)
        self.verdict = result


def describe(err: BaseException) -> str:
    """``TypeName: first line of the message`` (300 characters at most): how verdicts and ``verify`` quote errors."""
    first_line = (str(err).strip().splitlines() or [""])[0][:300]
    return f"{type(err).__name__}: {first_line}" if first_line else type(err).__name__


def with_time_limit(fn, seconds: float):
    """Return ``fn()``, or raise :class:`TimeLimit` after ``seconds`` (see the module's docstring)."""
    return _with_time_limit(fn, seconds)


def _with_time_limit(fn, seconds: float):
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():

        def stop(signum, frame):
            raise _TimeLimit

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT_S)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed back to the caller's thread
            result["error"] = err

    worker = threading.Thread(target=run, daemon=True, name=ABANDONED_THREAD_NAME)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _TimeLimit
    if "error" in result:
        raise result["error"]
    return result["value"]


#: Fragments of PyTorch error messages and the likely mistake behind them.
_HINTS = {
    "en": [
        (("channels, but got", "to have 2 channels"), " Hint: the convolution got the wrong number of channels; check which dimension you pooled over and `keepdim=True`."),
        (("mat1 and mat2", "shapes cannot be multiplied"), " Hint: a layer got a tensor of the wrong width; check the layer sizes and which dimension you pooled over."),
        (("Expected 3D (unbatched) or 4D",), " Hint: a convolution got a 2-D tensor; did you pool without `keepdim=True`?"),
        (("must match the size of tensor",), " Hint: two tensors could not be broadcast together; keep the pooled dimensions with `keepdim=True`."),
        (("Tensors must have same number of dimensions",), " Hint: torch.cat got tensors of different ranks; use `keepdim=True` on both pools."),
    ],
    "zh": [
        (("channels, but got", "to have 2 channels"), "提示：卷积收到的通道数不对；请检查你在哪个维度上池化，以及是否用了 `keepdim=True`。"),
        (("mat1 and mat2", "shapes cannot be multiplied"), "提示：某一层收到的张量宽度不对；请检查各层的大小以及池化的维度。"),
        (("Expected 3D (unbatched) or 4D",), "提示：卷积收到了二维张量；池化时是否忘了 `keepdim=True`？"),
        (("must match the size of tensor",), "提示：两个张量无法广播；请用 `keepdim=True` 保留池化的维度。"),
        (("Tensors must have same number of dimensions",), "提示：torch.cat 收到的张量维数不同；两次池化都请用 `keepdim=True`。"),
    ],
}


def _hint(error: BaseException, lang: str) -> str:
    text = str(error)
    return next((hint for fragments, hint in _HINTS[lang] if any(f in text for f in fragments)), "")


def attempt(step: str, fn, lang: str, what: str, explain=None):
    """Return ``fn()``, or raise :class:`Outcome` with a verdict explaining why it could not run.

    ``explain(error_text)`` may name a known mistake behind an exception: (message code, fields).
    """
    try:
        return _with_time_limit(fn, TIME_LIMIT_S)
    except NotImplementedError:
        raise Outcome(verdict("not_implemented", lang, what=what)) from None
    except _TimeLimit:
        raise Outcome(verdict("timeout", lang, step=step, seconds=TIME_LIMIT_S)) from None
    except Exception as err:  # noqa: BLE001 - a student's bug becomes an explanation
        known = explain(str(err)) if explain else None
        if known:
            code, fields = known
            raise Outcome(verdict(code, lang, **fields)) from None
        raise Outcome(verdict("raised", lang, step=step, error=describe(err), hint=_hint(err, lang))) from None
