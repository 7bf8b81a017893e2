from solution import add


def test_add_negative():
    assert add(-1, 1) == 0


def test_add_large():
    assert add(10**9, 1) == 10**9 + 1
