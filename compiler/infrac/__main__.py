from infrac.cli import run

run()
