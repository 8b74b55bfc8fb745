"""Fixed replies of the assistant: greeting, help, clarification, not found, out of scope.

Each names the official channels (the service hall window and the hotline, §7.1 e), never
decides anything for the citizen (§9.4.1 e), and is phrased for elderly users (§7.4).
"""

from __future__ import annotations

from assistant.spoken import to_spoken


class Replies:
    """Reply texts, parameterized by the hotline number (12345 by default)."""

    def __init__(self, hotline: str = "12345") -> None:
        """Use ``hotline`` wherever a reply points to the government service hotline."""
        self.hotline = hotline

    def greeting(self) -> str:
        """Answer to a greeting or "who are you"."""
        return (
            "您好，我是政务服务智能导办助手。您可以直接说想办的事，"
            "比如“居住证怎么办”“身份证丢了怎么补”，我来告诉您要带什么、去哪里办。"
        )

    def help(self) -> str:
        """Answer to 一键求助: the human help channel."""
        return (
            "已为您呼叫大厅工作人员，请在自助机旁稍候。"
            f"您也可以到服务大厅咨询窗口当面咨询，或拨打政务服务热线{self.hotline}。"
        )

    def clarify(self, names: list[str]) -> str:
        """Ask which of ``names`` the citizen means."""
        options = "；".join(f"{i}. {name}" for i, name in enumerate(names, start=1))
        return f"您想了解的是哪一项？{options}。请点击或说出事项名称。"

    def did_you_mean(self, names: list[str]) -> str:
        """No clear match; offer the closest ``names`` and the official channels."""
        options = "；".join(f"{i}. {name}" for i, name in enumerate(names, start=1))
        return (
            f"没有找到完全对应的事项。您是不是想办：{options}？请点击选择；"
            f"都不是的话，请到服务大厅咨询窗口咨询，或拨打政务服务热线{self.hotline}。"
        )

    def not_found(self) -> str:
        """No matter matched well enough: say so honestly and give the hotline."""
        return (
            "抱歉，没有找到与您的问题对应的办事事项。"
            f"请换个说法再试，或到服务大厅咨询窗口咨询，也可以拨打政务服务热线{self.hotline}。"
        )

    def out_of_scope(self) -> str:
        """The question is not about government services."""
        return (
            "我只能解答政务服务事项的办理问题，比如要带什么材料、去哪里办、要多久。"
            f"其他问题请拨打政务服务热线{self.hotline}咨询。"
        )

    def which_matter(self) -> str:
        """A follow-up ("那要多久") came before any matter was named."""
        return "请问您问的是哪个事项？请说出事项名称，比如“居住证要带什么材料”，我再为您解答。"

    def which_form(self) -> str:
        """Asked to fill a form before naming a matter."""
        return "请先告诉我您要办理的事项，比如“办居住证”，我再帮您用身份证信息预填表格。"

    def refused(self) -> str:
        """Generic refusal when a rail gave no message of its own."""
        return (
            "这个问题我不能回答。办事相关问题请到服务大厅窗口咨询，"
            f"或拨打政务服务热线{self.hotline}。"
        )

    def spoken(self, text: str) -> str:
        """The spoken form of a reply."""
        return to_spoken(text)
