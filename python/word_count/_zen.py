"""The seed's benchmark text: the Zen of Python as ``import this`` prints it.

``ZEN`` starts and ends with a newline, as the text in the PyO3 word-count
example's test file does (858 characters); ``DEFAULT_TEXT`` is it repeated
1000 times (858,000 characters), in which the needle "is" occurs 10,000 times.
"""

import operator

ZEN = """
The Zen of Python, by Tim Peters

Beautiful is better than ugly.
Explicit is better than implicit.
Simple is better than complex.
Complex is better than complicated.
Flat is better than nested.
Sparse is better than dense.
Readability counts.
Special cases aren't special enough to break the rules.
Although practicality beats purity.
Errors should never pass silently.
Unless explicitly silenced.
In the face of ambiguity, refuse the temptation to guess.
There should be one-- and preferably only one --obvious way to do it.
Although that way may not be obvious at first unless you're Dutch.
Now is better than never.
Although never is often better than *right* now.
If the implementation is hard to explain, it's a bad idea.
If the implementation is easy to explain, it may be a good idea.
Namespaces are one honking great idea -- let's do more of those!
"""

DEFAULT_REPEAT = 1000
DEFAULT_NEEDLE = "is"
DEFAULT_COUNT = 10_000


def default_text(repeat: int = DEFAULT_REPEAT) -> str:
    """The Zen of Python repeated ``repeat`` times (858 characters each)."""
    try:
        n = operator.index(repeat)
    except TypeError:
        raise TypeError(f"repeat must be an int, not {type(repeat).__name__!r}") from None
    if n < 0:  # (str * -3 is "": a mistake given back as no text)
        raise ValueError(f"repeat must be >= 0, not {n}")
    return ZEN * n
