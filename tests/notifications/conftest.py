import pytest

from tests.notifications.fake_robot import FakeRobot


@pytest.fixture
def fake_robot(settings):
    """A fake group robot on loopback (plain http allowed for loopback in these tests)."""
    settings.NOTIFICATIONS_ALLOW_LOOPBACK_ROBOTS = True
    settings.NOTIFICATIONS_ROBOT_TIMEOUT = 0.5
    robot = FakeRobot(secret="SECtest-secret", slow_seconds=2.0).start()
    yield robot
    robot.stop()
