"""The charge point simulator (`python -m cs sim`): N charge points over real websockets.

Used from the command line, by the tests and by the benchmark. Loopback targets only.
"""
