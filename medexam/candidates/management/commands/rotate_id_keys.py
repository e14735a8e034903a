from django.core.management.base import BaseCommand

from medexam.candidates import idcrypto
from medexam.candidates.id_rotation import keys_in_use, rotate_id_keys


class Command(BaseCommand):
    help = (
        "用当前密钥（MEDEXAM_ID_KEYS 的第一个）重新加密证件号码；--check 只统计各密钥加密的行数。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只统计，不修改")
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="同时用当前的 MEDEXAM_ID_HMAC_KEY 重算每一行的查找散列（更换散列密钥后运行）",
        )
        parser.add_argument("--batch", type=int, default=2000, help="每批行数（默认 2000）")

    def handle(self, *args, **options):
        current = idcrypto.key_ring().current_id
        if not options["check"]:
            done = rotate_id_keys(rehash=options["rehash"], batch=options["batch"])
            self.stdout.write(
                f"已检查 {done.examined} 行，重新加密 {done.reencrypted} 行，"
                f"重算散列 {done.rehashed} 行，期间被他人修改而跳过 {done.skipped_changed} 行。"
            )
        counts = keys_in_use()
        listing = "，".join(f"{key}: {n} 行" for key, n in sorted(counts.items())) or "无数据"
        self.stdout.write(f"当前密钥 {current}；各密钥加密的行数：{listing}")
        old = sum(n for key, n in counts.items() if key != current)
        if old:
            self.stdout.write(f"仍有 {old} 行使用旧密钥：旧密钥暂不能从 MEDEXAM_ID_KEYS 中删除。")
        else:
            self.stdout.write("所有行都使用当前密钥：旧密钥可以删除。")
