"""python -m integration_tests.emulator --port 0 [--accounts N ...]

Prints one line EMULATOR_URL=http://127.0.0.1:PORT and serves until SIGTERM or SIGINT.
"""

import argparse
import signal
import threading

from .dataset import Dataset
from .server import GraphEmulator


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m integration_tests.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="demo-token", help="the only accepted Bearer token")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=2)
    parser.add_argument("--campaigns-per-account", type=int, default=6)
    parser.add_argument("--adsets-per-campaign", type=int, default=2)
    parser.add_argument("--ads-per-adset", type=int, default=2)
    parser.add_argument("--creatives-per-account", type=int, default=4)
    parser.add_argument("--images-per-account", type=int, default=3)
    parser.add_argument("--videos-per-account", type=int, default=2)
    parser.add_argument("--audiences-per-account", type=int, default=3)
    parser.add_argument("--history-days", type=int, default=90)
    parser.add_argument("--max-insights-days-with-breakdowns", type=int, default=None)
    parser.add_argument("--job-pending-polls", type=int, default=2)
    args = parser.parse_args(argv)

    dataset = Dataset.generate(
        accounts=args.accounts, campaigns_per_account=args.campaigns_per_account,
        adsets_per_campaign=args.adsets_per_campaign, ads_per_adset=args.ads_per_adset,
        creatives_per_account=args.creatives_per_account, images_per_account=args.images_per_account,
        videos_per_account=args.videos_per_account, audiences_per_account=args.audiences_per_account,
        seed=args.seed, history_days=args.history_days)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with GraphEmulator(dataset, token=args.token, host=args.host, port=args.port) as emulator:
        emulator.max_insights_days_with_breakdowns = args.max_insights_days_with_breakdowns
        emulator.job_pending_polls = args.job_pending_polls
        print(f"EMULATOR_URL={emulator.base_url}", flush=True)
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
