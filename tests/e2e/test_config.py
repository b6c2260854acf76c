"""--config FILE: memory, threads and tile from an INI file are honoured, and the command line wins over them.
Plans are compared as text, so the test does not depend on the plan's format."""

import re

import e2e_util as util

CONFIG = """\
# a tilesum config file
memory = 256MiB
threads = 2
tile = k=7
"""


def main(context):
    data = util.write_h5(context.path("in.h5"), **util.seed_inputs(100, 102, seed=9))
    config = context.write_text("config.ini", CONFIG)

    def plan(*options):
        return util.expect_success(context.run("plan", context.seed_script, "--data", data, *options)).stdout

    from_config = plan("--config", config)
    print(from_config, end="")
    util.expect(from_config == plan("--memory", "256MiB", "--threads", "2", "--tile", "k=7"),
                "the plan from the config differs from the plan with the same options on the command line")
    util.expect(re.search(r"(?<![\w.])7(?![\w.])", from_config), "tile = k=7 from the config is not in the plan")
    util.expect(from_config != plan(), "the config changed nothing in the plan")

    command_line = ("--memory", "64MiB", "--threads", "1", "--tile", "k=9")
    util.expect(plan("--config", config, *command_line) == plan(*command_line),
                "options on the command line do not win over the config file")

    # memory is honoured in `run` too: a config budget of 1K fails, --memory on the command line rescues it.
    tiny = context.write_text("tiny.ini", "memory = 1K\n")
    out = context.path("out.h5")
    util.expect_user_error(context.run("run", context.seed_script, "--data", data, "--out", out,
                                       "--config", tiny), patterns=[r"(?i)budget"])
    util.expect_no_output(out, ["E"])
    util.expect_success(context.run("run", context.seed_script, "--data", data, "--out", out,
                                    "--config", tiny, "--memory", "64MiB"))

    # The example shipped in data/ is a valid config.
    plan("--config", f"{context.source_dir}/data/example.ini")


if __name__ == "__main__":
    util.run_main(main)
