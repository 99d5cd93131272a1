"""The demo organisation: a Finnish retail chain with ninety days of frontline insights.

Everything is created through the real service functions, as the people themselves would
have done it, with the clock moved to the moment of each deed. So every routing decision,
deadline, timeline event, notification and closed loop is exactly what production would
have produced. The content is generated from templates with a fixed random seed: the same
organisation every time, its dates relative to today.

`seed.seed_demo` is the entry point. What is said lives in `content/` as plain data; the
modules here decide who says it, when, and what happens next.
"""
