"""`tilesum plan data/seed.tsum --data IN.h5` prints the plan without computing: exit 0, the tiled index k with a
tile size, and no output file is touched (plan has no --out)."""

import re

import e2e_util as util


def main(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(100, 102, seed=7))
    result = util.expect_success(context.run("plan", context.seed_script, "--data", data))
    print(result.stdout, end="")
    text = result.stdout
    util.expect(re.search(r"\bE\b", text), "the plan does not name the output E\n" + result.describe())
    util.expect(re.search(r"\bk\b", text), "the plan does not name the tiled index k\n" + result.describe())
    util.expect(re.search(r"tile", text, re.IGNORECASE), "the plan does not mention tiles\n" + result.describe())
    util.expect(re.search(r"\d", text), "the plan has no numbers\n" + result.describe())
    util.expect(re.search(r"bytes read: .*\(.* in column blocks, \d+ runs\)", text),
                "the plan does not count the contiguous runs it reads\n" + result.describe())
    util.expect("strided" not in text, "the plan still mentions a strided read rate\n" + result.describe())

    forced = util.expect_success(context.run("plan", context.seed_script, "--data", data, "--tile", "k=7"))
    util.expect(re.search(r"(?<![\w.])7(?![\w.])", forced.stdout),
                "with --tile k=7 the plan does not show the tile size 7\n" + forced.describe())
    util.expect(re.search(r"(?<![\w.])15(?![\w.])", forced.stdout),
                "with --tile k=7 over k = 100 the plan does not show 15 tiles\n" + forced.describe())


if __name__ == "__main__":
    util.run_main(main)
