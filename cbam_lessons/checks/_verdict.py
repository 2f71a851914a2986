"""Verdicts and their messages, in English and Simplified Chinese."""

from __future__ import annotations

import os
from dataclasses import dataclass

#: id -> (English, Chinese). Placeholders are filled by :func:`verdict`.
MESSAGES = {
    # Outcomes that any exercise can have.
    "passed": ("✅ Passed: {what} matches the reference.", "✅ 通过：{what} 与参考实现一致。"),
    "passed_swapped_order": (
        "✅ Passed, with a note: you stack [max; mean], the official code's order; the paper writes [mean; max]. "
        "Both are correct, but weights are not interchangeable without swapping the kernel's two input channels.",
        "✅ 通过，另有一点说明：你按 [max; mean] 的顺序拼接，这与官方代码一致；论文写的是 [mean; max]。"
        "两种都正确，但两者的权重要交换卷积核的两个输入通道后才能互用。",
    ),
    "passed_with_bias": (
        "✅ Passed, with a note: {what} has biases ({names}), which the paper's equations and the seed article leave "
        "out (the official code's nn.Linear keeps them). The check set them to zero. Trained, they make other weights, "
        "and a bias-free CBAM's checkpoint does not load into yours one to one: pass `bias=False` to match the paper.",
        "✅ 通过，另有一点说明：{what} 带有偏置（{names}），而论文的公式和原文都没有偏置（官方代码的 nn.Linear 保留了偏置）。"
        "检查时把它们设为零。训练之后它们会学到别的权重，不带偏置的 CBAM 的权重也不能一一加载到你的模块里："
        "请传入 `bias=False`，与论文一致。",
    ),
    # Ultralytics' CBAM (cbam_lessons.verify): correct for its own definition, which is not the paper's.
    "passed_ultralytics_channel": (
        "✅ Passed as a known variant: {what} has the structure of Ultralytics' ChannelAttention (RTMDet's channel "
        "gate), not of the paper's channel attention. It pools by average only, with no max-pooled descriptor, and replaces the shared MLP "
        "C → C/r → C by one 1×1 convolution C → C with a bias: no bottleneck and no ReLU. At C = {channels} that is "
        "C² + C = {gate} parameters, against 2·C·(C // r) = {paper_gate} for the paper's MLP at r = {ratio}, and the "
        "gate never sees a channel's strongest response (in the paper's ablation, ResNet-50 on ImageNet, average "
        "pooling alone gave 23.14 % top-1 error, average and max together 22.80 %). Weights do not transfer between "
        "the two.",
        "✅ 通过（已知的变体）：{what} 的结构与 Ultralytics 的 ChannelAttention（即 RTMDet 的通道门控）相同，而不是论文中的通道注意力。"
        "它只做平均池化，没有最大池化得到的描述符；论文中共享的多层感知机 C → C/r → C，在这里换成了一个带偏置的 1×1 卷积 "
        "C → C，既没有瓶颈，也没有 ReLU。C = {channels} 时它有 C² + C = {gate} 个参数，而论文的多层感知机在 r = {ratio} "
        "时只有 2·C·(C // r) = {paper_gate} 个；门控也看不到每个通道最强的响应（论文用 ResNet-50 在 ImageNet 上做的消融实验中，"
        "只用平均池化时 top-1 错误率为 23.14%，平均池化与最大池化并用时为 22.80%）。两者的权重不能互换。",
    ),
    "passed_ultralytics_block": (
        "✅ Passed as a known variant: {what} has the structure of Ultralytics' CBAM, not of the paper's. Its spatial gate and the order of "
        "the two gates are the paper's, but its channel gate is RTMDet's: average pooling only, with no max-pooled "
        "descriptor, and one 1×1 convolution C → C with a bias instead of the shared MLP C → C/r → C (no bottleneck, "
        "no ReLU).{order} At C = {channels}, k = {k} that is C² + C + 2k² = {block} parameters, against {paper_block} "
        "for the paper's CBAM at r = {ratio}, and the channel gate never sees a channel's strongest response (in the "
        "paper's ablation, ResNet-50 on ImageNet, 23.14 % top-1 error with average pooling alone, 22.80 % with both).",
        "✅ 通过（已知的变体）：{what} 的结构与 Ultralytics 的 CBAM 相同，而不是论文中的 CBAM。它的空间门控和两个门控的先后顺序与论文相同，"
        "但通道门控是 RTMDet 的：只做平均池化，没有最大池化得到的描述符，并用一个带偏置的 1×1 卷积 C → C 代替共享多层感知机 "
        "C → C/r → C（没有瓶颈，也没有 ReLU）。{order}C = {channels}、k = {k} 时它有 C² + C + 2k² = {block} 个参数，"
        "而论文的 CBAM 在 r = {ratio} 时只有 {paper_block} 个；通道门控也看不到每个通道最强的响应（论文用 ResNet-50 在 "
        "ImageNet 上做的消融实验中，只用平均池化时 top-1 错误率为 23.14%，两种池化并用时为 22.80%）。",
    ),
    "also_max_mean_order": (
        " It also stacks the spatial pools as [max; mean], the official code's order; Ultralytics and the paper write "
        "[mean; max], so its kernel's two input channels are swapped against theirs.",
        "另外，它按 [max; mean] 的顺序拼接空间池化的结果（与官方代码相同），而 Ultralytics 和论文写的是 [mean; max]，"
        "所以它的卷积核的两个输入通道与它们的正好对调。",
    ),
    "also_biases": (
        " It also has biases ({names}), which the paper's equations and the seed article leave out; the check set "
        "them to zero. Trained, they make other weights, and a bias-free CBAM's checkpoint does not load into it one "
        "to one.",
        "另外，它带有偏置（{names}），而论文的公式和原文都没有偏置；检查时把它们设为零。训练之后它们会学到别的权重，"
        "不带偏置的 CBAM 的权重也不能一一加载到它里面。",
    ),
    "not_implemented": (
        "⏳ Not implemented yet: replace the `raise NotImplementedError` in {what} with your code, then run this cell again.",
        "⏳ 尚未实现：请把 {what} 里的 `raise NotImplementedError` 换成你自己的代码，然后重新运行本单元。",
    ),
    "not_a_module_class": (
        "❌ Pass the class itself, e.g. `check(ChannelAttention)`, not {got}. The checker builds instances with its own arguments.",
        "❌ 请传入类本身，例如 `check(ChannelAttention)`，而不是 {got}。检查器会用自己的参数创建实例。",
    ),
    "raised": (
        "❌ `{step}` raised {error}. Read the message, fix the line it points to, and run the check again.{hint}",
        "❌ 执行 `{step}` 时抛出了 {error}。请阅读报错信息，修改它指出的那一行，然后重新检查。{hint}",
    ),
    "timeout": (
        "❌ `{step}` did not finish within {seconds} s: is there a loop that never ends (e.g. `while` without a change)?",
        "❌ 执行 `{step}` 超过 {seconds} 秒仍未结束：是不是写成了死循环（例如条件始终不变的 `while`）？",
    ),
    # Outcomes of the training pass (forward and backward with gradients), for every module exercise.
    "modifies_input": (
        "❌ Your forward changes its input in place (`x *= …`, `x.mul_(…)`, `x[...] = …`, `x.zero_()`). The values "
        "you return may be right, but in a network the layer before still needs x for its backward: training "
        "fails or computes wrong gradients. Compute a new tensor instead, e.g. `out = x * gate`.",
        "❌ 你的 forward 就地修改了输入（`x *= …`、`x.mul_(…)`、`x[...] = …`、`x.zero_()`）。返回值也许是对的，"
        "但在网络中，前一层做反向传播时还要用到 x：训练会报错，或者算出错误的梯度。请另算一个新张量，例如 `out = x * gate`。",
    ),
    "no_grad_context": (
        "❌ The output is not connected to the autograd graph: it is computed under `torch.no_grad()` (or "
        "`inference_mode`). The values are right, but in a network neither this module's weights nor the "
        "layers before it would learn. Remove the `with torch.no_grad():`.",
        "❌ 输出没有接入自动求导的计算图：它是在 `torch.no_grad()`（或 `inference_mode`）下算出来的。数值是对的，"
        "但在网络中，这个模块的权重和它前面的各层都学不到东西。请去掉 `with torch.no_grad():`。",
    ),
    "detached_output": (
        "❌ The output is not connected to the autograd graph: `.detach()` (or `.data`) cuts it off. The values "
        "are right, but in a network nothing before this point would learn. Return the tensor itself.",
        "❌ 输出没有接入自动求导的计算图：`.detach()`（或 `.data`）把它从图中切断了。数值是对的，"
        "但在网络中，这之前的一切都学不到东西。请直接返回张量本身。",
    ),
    "numpy_round_trip": (
        "❌ The computation goes through NumPy, and autograd cannot follow it: in a network the output has no "
        "gradient (or `.numpy()` raises on a tensor that requires grad). Use the torch operations instead "
        "(`torch.sigmoid`, `.mean`, `.amax`, …).",
        "❌ 计算经过了 NumPy，而自动求导跟踪不到 NumPy：在网络中，输出没有梯度（或者对需要梯度的张量调用 `.numpy()` "
        "会直接报错）。请改用 torch 的运算（`torch.sigmoid`、`.mean`、`.amax` 等）。",
    ),
    "no_graph": (
        "❌ The output is not connected to the autograd graph, so in a network nothing before it would learn. "
        "Did you build a new tensor from numbers (`torch.tensor(...)`, `.item()`) instead of computing it?",
        "❌ 输出没有接入自动求导的计算图，所以在网络中，它之前的一切都学不到东西。"
        "你是不是用数值重新造了一个张量（`torch.tensor(...)`、`.item()`），而不是把它算出来？",
    ),
    "input_gets_no_gradient": (
        "❌ No gradient reaches the input x: the layers before this module would not learn.{hint}",
        "❌ 没有梯度传到输入 x：这个模块之前的各层都学不到东西。{hint}",
    ),
    "parameters_get_no_gradient": (
        "❌ These weights get no gradient in backward, so they would never learn: {names}. Is part of the "
        "computation detached, or is a layer defined but not used?",
        "❌ 这些权重在反向传播中得不到梯度，永远学不到东西：{names}。是不是你切断了一部分计算，或者某一层定义了却没有用上？",
    ),
    "parameters_frozen": (
        "❌ These weights are frozen (`requires_grad` is False), so an optimizer would never change them: {names}. "
        "Remove the `requires_grad_(False)` (or `requires_grad = False`) from your constructor; freezing is a "
        "choice for whoever trains the network, not for the layer.",
        "❌ 你冻结了这些权重（`requires_grad` 为 False），优化器永远不会更新它们：{names}。请去掉你在构造函数里写的"
        "`requires_grad_(False)`（或 `requires_grad = False`）；要不要冻结，应该由训练网络的人决定，而不是由这一层决定。",
    ),
    "wrong_gradient": (
        "❌ The output is right, but the gradient reaching x is not the gradient of the correct function: part "
        "of the computation is cut from the graph.{hint}",
        "❌ 输出是对的，但传到 x 的梯度并不是正确函数的梯度：有一部分计算从计算图中断开了。{hint}",
    ),
    "inplace_breaks_backward": (
        "❌ Backward fails: a tensor that autograd saved for the gradient was changed in place afterwards "
        "(`mul_`, `*=`, `sigmoid_`, `inplace=True`, …). Use the out-of-place version, e.g. `out = out * ms`.",
        "❌ 反向传播失败：自动求导为计算梯度保存了某个张量，你的代码随后又就地修改了它（`mul_`、`*=`、`sigmoid_`、`inplace=True` 等）。"
        "请改用非就地的写法，例如 `out = out * ms`。",
    ),
    "hint_no_grad_context": (" Look for `torch.no_grad()` in your forward.", "请检查 forward 中的 `torch.no_grad()`。"),
    "hint_detached_output": (" Look for `.detach()` or `.data` in your forward.", "请检查 forward 中的 `.detach()` 或 `.data`。"),
    "hint_numpy_round_trip": (" Look for NumPy in your forward.", "请检查 forward 中用到 NumPy 的地方。"),
    "wrong_type": (
        "❌ `{step}` returned {got}; it should return a tensor.",
        "❌ `{step}` 返回了 {got}；它应当返回一个张量。",
    ),
    "wrong_shape": (
        "❌ The output has shape {got}, expected {expected}.",
        "❌ 输出的形状是 {got}，应为 {expected}。",
    ),
    "wrong_values": (
        "❌ The output has the right shape but different values from the reference (largest difference {diff:.3g}). "
        "Compare your forward pass with the equation step by step.",
        "❌ 输出形状正确，但数值与参考实现不同（最大差值 {diff:.3g}）。请对照公式逐步检查你的前向计算。",
    ),
    "unexpected_parameters": (
        "❌ Unexpected learnable weights {got}; expected {expected}.",
        "❌ 可学习权重的形状 {got} 与预期不符，应为 {expected}。",
    ),
    # Channel attention.
    "only_avg": (
        "❌ Only average pooling is used. Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F))): add the max-pooled branch.",
        "❌ 只用了平均池化。Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)))：请加上最大池化分支。",
    ),
    "only_max": (
        "❌ Only max pooling is used. Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F))): add the average-pooled branch.",
        "❌ 只用了最大池化。Mc(F) = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)))：请加上平均池化分支。",
    ),
    "keepdim_into_linear": (
        "❌ nn.Linear acts on the last dimension, and after pooling with `keepdim=True` that is the 1 of (N, C, 1, 1), "
        "not the C channels. Flatten before the MLP (`z.flatten(1)`, or pool without keepdim), then reshape its "
        "output to (N, C, 1, 1).",
        "❌ nn.Linear 作用在最后一个维度上；用 `keepdim=True` 池化之后，最后一维是 (N, C, 1, 1) 里的 1，而不是 C 个通道。"
        "请在多层感知机之前先展平（`z.flatten(1)`，或者池化时不加 keepdim），再把它的输出变形为 (N, C, 1, 1)。",
    ),
    "no_sigmoid": (
        "❌ The weights are not squashed into (0, 1): apply a sigmoid to the sum of the two branches.",
        "❌ 权重没有压缩到 (0, 1) 区间：请对两个分支相加的结果取 sigmoid。",
    ),
    "spatial_no_sigmoid": (
        "❌ The map is not squashed into (0, 1): apply a sigmoid to the convolution's output.",
        "❌ 注意力图没有压缩到 (0, 1) 区间：请对卷积的输出取 sigmoid。",
    ),
    "softmax": (
        "❌ You used softmax: the weights then compete and sum to 1. CBAM uses a sigmoid, one independent weight per {unit}.",
        "❌ 你用了 softmax：权重之间会相互竞争、总和为 1。CBAM 用的是 sigmoid 函数，每个{unit}各自独立地得到一个权重。",
    ),
    "no_relu": (
        "❌ The MLP has no ReLU between its two layers: MLP(z) = W1 ReLU(W0 z).",
        "❌ 多层感知机的两层之间缺少 ReLU：MLP(z) = W1 ReLU(W0 z)。",
    ),
    "sigmoid_each": (
        "❌ The sigmoid is applied to each branch before adding, so weights reach up to 2. Add the two MLP outputs first, then apply one sigmoid.",
        "❌ 你先对每个分支分别取 sigmoid 再相加，权重最大可达 2。应先把两个分支上 MLP 的输出相加，再取一次 sigmoid。",
    ),
    "no_keepdim": (
        "❌ A pooled tensor or the output has shape {got} instead of {expected}: pool with `keepdim=True` so the map keeps "
        "four dimensions and broadcasts against the input.",
        "❌ 池化结果或输出的形状是 {got} 而不是 {expected}：池化时请用 `keepdim=True`，让注意力图保持四个维度，才能与输入广播相乘。",
    ),
    "wrong_pool_dims_channel": (
        "❌ Pool over the spatial dimensions H and W (`dim=(2, 3)`), not over the channels: channel attention needs one summary per channel.",
        "❌ 请在空间维度 H 和 W 上池化（`dim=(2, 3)`），而不是在通道上：通道注意力需要每个通道一个汇总值。",
    ),
    "ratio_ignored": (
        "❌ The hidden layer has {got} units; with in_planes={channels} and ratio={ratio} it should have in_planes // ratio = {expected}.",
        "❌ 隐藏层有 {got} 个单元；当 in_planes={channels}、ratio={ratio} 时，应为 in_planes // ratio = {expected}。",
    ),
    "ratio_rounded": (
        "❌ The hidden layer has {got} units; with in_planes={channels} and ratio={ratio} it should have "
        "in_planes // ratio = {expected}. You rounded in_planes / ratio; the paper and the seed article divide "
        "with `//`, which rounds down, so the weights of other implementations load into yours.",
        "❌ 隐藏层有 {got} 个单元；当 in_planes={channels}、ratio={ratio} 时，应为 in_planes // ratio = {expected}。"
        "你对 in_planes / ratio 做了四舍五入（或向上取整）；论文和原文都用 `//` 整除（向下取整），这样别人的权重才能加载到你的模块里。",
    ),
    "separate_mlps": (
        "❌ You built two MLPs, one per pooled vector. CBAM shares one MLP (the same fc1 and fc2) between both branches.",
        "❌ 你为两个池化向量各建了一个多层感知机。CBAM 的两个分支共享同一个多层感知机（同一组 fc1 和 fc2）。",
    ),
    "returns_refined": (
        "❌ The module returns the refined features (attention × input); it should return the attention map {map} itself.",
        "❌ 模块返回的是细化后的特征（注意力 × 输入）；它应当返回注意力图 {map} 本身。",
    ),
    # Spatial attention.
    "no_padding": (
        "❌ Your convolution has no padding, so a {k}x{k} kernel does not fit the small test map and PyTorch refuses. "
        "Use padding = kernel_size // 2: the map then keeps H and W, one weight per position.",
        "❌ 你的卷积没有填充，{k}×{k} 的卷积核放不进检查用的小特征图，PyTorch 因此报错。请取 padding = kernel_size // 2："
        "这样注意力图保持 H 和 W 不变，每个位置一个权重。",
    ),
    "padding_wrong": (
        "❌ The map has size {got} but the input is {expected}: use padding = kernel_size // 2 so the map keeps H and W.",
        "❌ 注意力图的大小是 {got}，而输入是 {expected}：请取 padding = kernel_size // 2，使注意力图保持 H 和 W 不变。",
    ),
    "spatial_only_avg": (
        "❌ Only the mean over channels is used. Ms stacks two maps, [mean; max] over channels, into a 2-channel convolution.",
        "❌ 只用了沿通道的平均值。Ms 要把沿通道的 [mean; max] 两张图拼接起来，送入 2 通道输入的卷积。",
    ),
    "spatial_only_max": (
        "❌ Only the max over channels is used. Ms stacks two maps, [mean; max] over channels, into a 2-channel convolution.",
        "❌ 只用了沿通道的最大值。Ms 要把沿通道的 [mean; max] 两张图拼接起来，送入 2 通道输入的卷积。",
    ),
    "kernel_ignored": (
        "❌ The convolution has a {got}×{got} kernel but kernel_size={expected} was asked for: pass kernel_size to nn.Conv2d.",
        "❌ 卷积核是 {got}×{got}，但要求的是 kernel_size={expected}：请把 kernel_size 传给 nn.Conv2d。",
    ),
    "wrong_pool_dims_spatial": (
        "❌ Pool across the channels (`dim=1, keepdim=True`), not over H and W: spatial attention needs one mean and one max per position.",
        "❌ 请沿通道维池化（`dim=1, keepdim=True`），而不是在 H 和 W 上：空间注意力需要每个位置一个平均值和一个最大值。",
    ),
    # The CBAM block.
    "spatial_first": (
        "❌ Spatial attention is applied before channel attention. CBAM is F' = Mc(F) ⊗ F, then F'' = Ms(F') ⊗ F'.",
        "❌ 你把空间注意力放在了通道注意力之前。CBAM 是先 F' = Mc(F) ⊗ F，再 F'' = Ms(F') ⊗ F'。",
    ),
    "parallel": (
        "❌ Both maps are computed from F (in parallel). In CBAM the spatial map is computed from F' = Mc(F) ⊗ F.",
        "❌ 两张注意力图都是从 F 计算的（并行）。在 CBAM 中，空间注意力图应当从 F' = Mc(F) ⊗ F 计算。",
    ),
    "added_to_input": (
        "❌ The attention is added to the input. CBAM only multiplies: F'' = Ms(F') ⊗ F'. The addition belongs to a residual block around it.",
        "❌ 你把注意力的结果加到了输入上。CBAM 只做乘法：F'' = Ms(F') ⊗ F'。加法属于包在它外面的残差块。",
    ),
    "returns_map": (
        "❌ The block returns an attention map of shape {got}; it should return the refined features F'' with the input's shape {expected}.",
        "❌ 模块返回的是形状为 {got} 的注意力图；它应当返回与输入形状 {expected} 相同的细化特征 F''。",
    ),
    "missing_gate": (
        "❌ Only the {gate} gate is applied. CBAM applies both: channel attention, then spatial attention.",
        "❌ 只施加了{gate}门控。CBAM 两者都要：先通道注意力，再空间注意力。",
    ),
    # The residual block.
    "cbam_after_addition": (
        "❌ CBAM is applied after the residual addition. Apply it to the branch, before adding the shortcut: relu(x + cbam(branch)).",
        "❌ 你把 CBAM 放在了残差相加之后。它应当作用于残差分支、在加上捷径连接之前：relu(x + cbam(branch))。",
    ),
    "cbam_on_shortcut": (
        "❌ CBAM is applied to the shortcut. The shortcut must carry x unchanged; refine the branch instead: relu(x + cbam(branch)).",
        "❌ 你把 CBAM 放在了捷径连接上。捷径连接必须原样传递 x；应当细化的是残差分支：relu(x + cbam(branch))。",
    ),
    "no_shortcut": (
        "❌ The shortcut is missing: a residual block adds its input back, relu(x + cbam(branch)).",
        "❌ 你的残差块缺少捷径连接：它要把输入加回来，即 relu(x + cbam(branch))。",
    ),
    "no_final_relu": (
        "❌ The final ReLU is missing: a residual block ends with relu(x + cbam(branch)).",
        "❌ 缺少最后的 ReLU：残差块的结尾是 relu(x + cbam(branch))。",
    ),
    "template_names": (
        "❌ Keep the template's attribute names (conv1, bn1, conv2, bn2, cbam) so the checker can give your block known weights ({error}).",
        "❌ 请保留模板中的属性名（conv1、bn1、conv2、bn2、cbam），以便检查器为你的模块设置已知的权重（{error}）。",
    ),
    "relu_before_cbam": (
        "❌ The branch goes through a ReLU before CBAM. The branch ends with its last BatchNorm; CBAM refines that, "
        "and the only ReLU after it comes after the addition: relu(x + cbam(branch)).",
        "❌ 残差分支在进入 CBAM 之前多经过了一次 ReLU。分支以最后一个批量归一化结束，CBAM 细化的就是它的输出；"
        "此后唯一的 ReLU 在相加之后：relu(x + cbam(branch))。",
    ),
    # Chapter 5: CBAM in torchvision's Bottleneck.
    "cbam_width": (
        "❌ Your CBAM has the wrong number of channels. It refines the output of bn3, which has planes × expansion = "
        "{expected} channels here, not planes: use `CBAMBlock(planes * self.expansion, ...)` or `self.bn3.num_features`.",
        "❌ 你的 CBAM 通道数不对。它细化的是 bn3 的输出，这里有 planes × expansion = {expected} 个通道，而不是 planes："
        "请用 `CBAMBlock(planes * self.expansion, ...)` 或 `self.bn3.num_features`。",
    ),
    "bottleneck_names": (
        "❌ Build the block with `super().__init__(...)` so it keeps torchvision's names (conv1 … bn3, downsample), and "
        "name the attention `cbam`, as `add_cbam` does: then checkpoints load and the checker can give your block known "
        "weights ({error}).",
        "❌ 请用 `super().__init__(...)` 构建这个块，让它保留 torchvision 的属性名（conv1 … bn3、downsample），并把注意力模块"
        "命名为 `cbam`，与 `add_cbam` 一致：这样检查点才能加载，检查器也才能为你的块设置已知的权重（{error}）。",
    ),
    "shortcut_not_downsampled": (
        "❌ In a block that halves the map and widens the channels, x no longer fits the branch's output: the shortcut "
        "is `self.downsample(x)` when `self.downsample` is not None.",
        "❌ 当一个块把特征图缩小一半、又增加通道数时，x 的形状就与分支的输出对不上了：`self.downsample` 不为 None 时，"
        "捷径连接应当是 `self.downsample(x)`。",
    ),
    "cbam_before_bn2": (
        "❌ CBAM sits between conv2 and bn2. The paper refines the branch's output after its last BatchNorm: "
        "relu(x + cbam(bn2(conv2(...)))).",
        "❌ 你把 CBAM 放在了 conv2 和 bn2 之间。论文细化的是分支经过最后一个批量归一化之后的输出：relu(x + cbam(bn2(conv2(...))))。",
    ),
    "relu_before_addition": (
        "❌ The branch goes through a ReLU before the addition. The block adds the refined branch as it is and applies "
        "its one ReLU to the sum: relu(x + cbam(branch)).",
        "❌ 你让残差分支在相加之前先经过了 ReLU。残差块把细化后的分支原样加到 x 上，唯一的 ReLU 作用在相加的结果上："
        "relu(x + cbam(branch))。",
    ),
    "cbam_before_bn": (
        "❌ CBAM sits between conv3 and bn3. The paper refines the branch's output after its last BatchNorm: "
        "cbam(bn3(conv3(...))).",
        "❌ 你把 CBAM 放在了 conv3 和 bn3 之间。论文细化的是分支经过最后一个批量归一化之后的输出：cbam(bn3(conv3(...)))。",
    ),
    # Chapter 7: the paired t-interval over seeds.
    "not_a_triple": (
        "❌ `{step}` returned {got}; return three numbers, (mean, low, high) of the differences a - b.",
        "❌ `{step}` 返回了 {got}；应当返回三个数：差值 a - b 的（均值、下限、上限）。",
    ),
    "modifies_results": (
        "❌ Your function changes the lists it was given (sorted or emptied them in place). The caller still needs "
        "them in seed order: work on copies.",
        "❌ 你的函数就地修改了传入的列表（排了序或清空了）。调用者还要按随机种子的顺序使用它们：请在副本上计算。",
    ),
    "z_instead_of_t": (
        "❌ You used 1.96, the normal quantile. With a handful of seeds the spread itself is uncertain: use Student's "
        "t with n - 1 degrees of freedom, `T_95[n - 1]` (2.776 for five seeds).",
        "❌ 你用的是正态分布的分位数 1.96。只有几个随机种子时，标准差本身也不确定：请用自由度为 n - 1 的 t 分布分位数 "
        "`T_95[n - 1]`（五个随机种子时为 2.776）。",
    ),
    "wrong_degrees_of_freedom": (
        "❌ You used n degrees of freedom. The standard deviation of n differences has n - 1: `T_95[n - 1]`.",
        "❌ 你用了 n 个自由度。n 个差值的标准差只有 n - 1 个自由度：应为 `T_95[n - 1]`。",
    ),
    "one_sided_quantile": (
        "❌ Your quantile is the one-sided 95 % one (t at 0.95). A two-sided 95 % interval leaves 2.5 % on each side: "
        "t at 0.975, which `T_95` holds.",
        "❌ 你用的是单侧 95% 的分位数（t 在 0.95 处）。双侧 95% 的区间每侧各留 2.5%：应取 t 在 0.975 处的值，即 `T_95` 中的值。",
    ),
    "population_sd": (
        "❌ You divided by n in the standard deviation (`pstdev`, or NumPy's default `ddof=0`). The sample standard "
        "deviation divides by n - 1: `statistics.stdev`, or `np.std(d, ddof=1)`.",
        "❌ 你在标准差中除以了 n（`pstdev`，或 NumPy 默认的 `ddof=0`）。样本标准差除以 n - 1：请用 "
        "`statistics.stdev`，或 `np.std(d, ddof=1)`。",
    ),
    "no_sqrt_n": (
        "❌ Your half-width is t · s, the spread of single runs. The interval is for the mean of the differences: "
        "divide by √n, t · s / √n.",
        "❌ 你的半宽是 t · s，描述的是单次运行的离散程度。这个区间针对的是差值的均值：要除以 √n，即 t · s / √n。",
    ),
    "divided_by_n": (
        "❌ You divided the standard deviation by n. The standard error of a mean is s / √n, not s / n.",
        "❌ 你把标准差除以了 n。均值的标准误是 s / √n，而不是 s / n。",
    ),
    "unpaired": (
        "❌ This is an unpaired interval: it combines the spreads of a and b as if the runs were independent. Runs "
        "with the same seed share their initial weights and batches: take the differences a_i - b_i first, then one "
        "interval for their mean.",
        "❌ 这是一个不配对的区间：它把 a 和 b 各自的离散程度合在一起，仿佛这些运行彼此独立。同一随机种子的运行共享初始权重和"
        "批量顺序：应当先求差值 a_i - b_i，再对它们的均值求一个区间。",
    ),
    "sign_flipped": (
        "❌ You computed b - a. The gap is a - b, so that a positive gap means a is better.",
        "❌ 你算的是 b - a。差距应为 a - b，这样正的差距才表示 a 更好。",
    ),
    "pairs_sorted_apart": (
        "❌ You sorted a and b separately, which breaks the pairs: after sorting, a_i and b_i no longer come from the "
        "same seed. Subtract in seed order.",
        "❌ 你把 a 和 b 分别排了序，这就拆散了配对：排序之后，a_i 和 b_i 不再来自同一个随机种子。请按随机种子的顺序相减。",
    ),
    "low_above_high": (
        "❌ Your low and high are swapped: return (mean, mean - half-width, mean + half-width).",
        "❌ 你把下限和上限弄反了：应返回（均值，均值 - 半宽，均值 + 半宽）。",
    ),
    "wrong_interval": (
        "❌ Your interval is {got}; the paired 95 % interval is {expected}, mean ± t · s / √n of the differences a - b.",
        "❌ 你的区间是 {got}；配对的 95% 区间应为 {expected}，即差值 a - b 的均值 ± t · s / √n。",
    ),
    "lengths_not_checked": (
        "❌ With 5 results in a and 4 in b your function did not raise ValueError. Pairs are per seed: lists of "
        "different lengths mean a missing run, which `zip` would drop without a word. Raise ValueError and give both "
        "lengths.",
        "❌ a 有 5 个结果、b 只有 4 个时，你的函数没有抛出 ValueError。配对是按随机种子进行的：两个列表长度不同，说明缺了一次运行，"
        "而 `zip` 会悄无声息地把它丢掉。请抛出 ValueError，并给出两个长度。",
    ),
    "lengths_asserted": (
        "❌ With 5 results in a and 4 in b your function raised AssertionError: you check the lengths with `assert`. "
        "An assertion is for the programmer's own invariants, and `python -O` removes it; a caller's wrong input "
        "gets a ValueError that gives both lengths, e.g. `raise ValueError(\"%d results in a, %d in b\" % (len(a), len(b)))`.",
        "❌ a 有 5 个结果、b 只有 4 个时，你的函数抛出的是 AssertionError：你用 `assert` 检查了长度。assert 用来检查程序员"
        "自己的不变式，`python -O` 会把它去掉；调用者传错了输入，应当抛出 ValueError 并给出两个长度，例如 "
        "`raise ValueError(\"a 有 %d 个结果，b 有 %d 个\" % (len(a), len(b)))`。",
    ),
    # Chapter 9: a gate's multiplication as a torch.autograd.Function.
    "not_an_autograd_function": (
        "❌ Pass a subclass of `torch.autograd.Function` itself, e.g. `check_gate_function(GateProduct)`, not {got}. "
        "The checker calls `GateProduct.apply(x, logits)`.",
        "❌ 请传入 `torch.autograd.Function` 的子类本身，例如 `check_gate_function(GateProduct)`，而不是 {got}。"
        "检查器会调用 `GateProduct.apply(x, logits)`。",
    ),
    "forward_without_sigmoid": (
        "❌ Your forward returns x * logits: the gate is sigmoid(logits), a number between 0 and 1 per position.",
        "❌ 你的 forward 返回的是 x * logits：门控应当是 sigmoid(logits)，每个位置上一个介于 0 和 1 之间的数。",
    ),
    "modifies_grad_output": (
        "❌ Your backward changes the gradient it receives in place (`g.mul_(...)`, `g *= ...`). Autograd may pass "
        "the same tensor to other functions too: compute new tensors.",
        "❌ 你的 backward 就地修改了传入的梯度（`g.mul_(...)`、`g *= ...`）。自动求导可能把同一个张量也交给别的函数：请计算新的张量。",
    ),
    "gate_input_gets_no_gradient": (
        "❌ backward returned None for {which}. Return one gradient per input of forward, in order: (dL/dx, dL/dlogits).",
        "❌ backward 为 {which} 返回了 None。forward 的每个输入都要按顺序对应一个梯度：(dL/dx, dL/dlogits)。",
    ),
    "input_gradient_ignores_gate": (
        "❌ dL/dx is the upstream gradient unchanged. The output is x · s, so dL/dx = g · s, s = sigmoid(logits).",
        "❌ 你的 dL/dx 直接沿用了上游梯度，没有乘上门控。输出是 x · s，所以 dL/dx = g · s，其中 s = sigmoid(logits)。",
    ),
    "input_gradient_uses_logits": (
        "❌ dL/dx is g · logits. x is multiplied by the gate s = sigmoid(logits), not by the logits: dL/dx = g · s.",
        "❌ dL/dx 等于 g · logits。与 x 相乘的是门控 s = sigmoid(logits)，而不是 logits：dL/dx = g · s。",
    ),
    "missing_sigmoid_derivative": (
        "❌ dL/dlogits lacks the sigmoid's derivative: d sigmoid(z)/dz = s · (1 - s), so dL/dlogits = sum of g · x · s · (1 - s).",
        "❌ dL/dlogits 缺了 sigmoid 的导数：d sigmoid(z)/dz = s · (1 - s)，所以 dL/dlogits 是 g · x · s · (1 - s) 之和。",
    ),
    "wrong_sigmoid_derivative": (
        "❌ The sigmoid's derivative is s · (1 - s), not s or 1 - s alone.",
        "❌ sigmoid 的导数是 s · (1 - s)，而不只是 s 或 1 - s。",
    ),
    "gate_gradient_without_x": (
        "❌ dL/dlogits lacks the factor x: the output is x · s, so its derivative with respect to s is x, and "
        "dL/dlogits = sum of g · x · s · (1 - s).",
        "❌ dL/dlogits 缺了因子 x：输出是 x · s，它对 s 的导数是 x，所以 dL/dlogits 是 g · x · s · (1 - s) 之和。",
    ),
    "gate_gradient_wrong_dims": (
        "❌ dL/dlogits has shape {got}, and logits has {expected}. Sum over the dimensions where logits has size 1 "
        "(H and W for the channel gate, C for the spatial gate), with keepdim=True; fixed dimensions fit only one gate.",
        "❌ dL/dlogits 的形状是 {got}，而 logits 的形状是 {expected}。请在 logits 大小为 1 的那些维度上求和"
        "（通道门控是 H 和 W，空间门控是 C），并设 keepdim=True；写死的维度只适用于其中一种门控。",
    ),
    "gradients_in_wrong_order": (
        "❌ backward returns its gradients in the wrong order. They follow forward's inputs: (dL/dx, dL/dlogits).",
        "❌ backward 返回梯度的顺序不对。梯度要按 forward 的输入顺序排列：(dL/dx, dL/dlogits)。",
    ),
    "wrong_number_of_gradients": (
        "❌ backward must return one gradient per input of forward (after ctx): two here, (dL/dx, dL/dlogits).",
        "❌ backward 必须为 forward 的每个输入（ctx 之后的）返回一个梯度：这里是两个，(dL/dx, dL/dlogits)。",
    ),
    "wrong_gradient_values": (
        "❌ {which} is wrong (largest difference {diff:.3g}). Derive it from out = x · s: dL/dx = g · s, "
        "dL/dlogits = sum of g · x · s · (1 - s) over the broadcast dimensions.",
        "❌ {which} 不对（最大差值 {diff:.3g}）。请从 out = x · s 推导：dL/dx = g · s，"
        "dL/dlogits 是 g · x · s · (1 - s) 在广播维度上的和。",
    ),
    "gradcheck_failed": (
        "❌ torch.autograd.gradcheck disagrees with your backward on a small input: its numerical derivatives differ "
        "from your formulas. Does backward use only tensors saved in forward (`ctx.save_for_backward`)?",
        "❌ 在一个小输入上，torch.autograd.gradcheck 与你的 backward 结果不一致：数值导数和你的公式不同。"
        "你的 backward 是否只用了在 forward 中保存的张量（`ctx.save_for_backward`）？",
    ),
    # Counting by hand.
    "hidden_not_floored": (
        "❌ For C={channels}, r={ratio} your hidden width is {got}; it is C // r = {expected} (integer division: a layer has whole units).",
        "❌ 当 C={channels}、r={ratio} 时，你算出的隐藏宽度是 {got}；应为 C // r = {expected}（整数除法：层的单元数必须是整数）。",
    ),
    "hidden_times_ratio": (
        "❌ The hidden width is C // r (a bottleneck narrows), not C × r.",
        "❌ 隐藏宽度是 C // r（瓶颈会变窄），而不是 C × r。",
    ),
    "forgot_spatial": (
        "❌ You counted only the channel gate. The spatial gate's k×k convolution from 2 maps to 1 adds 2·k·k = {expected} weights.",
        "❌ 你只统计了通道门控。空间门控中从 2 张图到 1 张图的 k×k 卷积还有 2·k·k = {expected} 个权重。",
    ),
    "spatial_one_input": (
        "❌ The spatial convolution has 2 input channels ([mean; max]), so it has 2·k·k weights, not k·k.",
        "❌ 空间卷积有 2 个输入通道（[mean; max]），所以权重是 2·k·k 个，而不是 k·k 个。",
    ),
    "one_mlp_layer": (
        "❌ The shared MLP has two layers, W0 (C → C/r) and W1 (C/r → C): 2·C·(C // r) weights.",
        "❌ 共享多层感知机有两层：W0（C → C/r）和 W1（C/r → C），共 2·C·(C // r) 个权重。",
    ),
    "counted_bias": (
        "❌ You counted biases. This MLP and convolution have none (bias=False); the official code's Linear layers do, which adds C // r + C.",
        "❌ 你把偏置也算进去了。这里的多层感知机和卷积都没有偏置（bias=False）；官方代码的 Linear 层有偏置，会多出 C // r + C 个。",
    ),
    "wrong_count": (
        "❌ For C={channels}, r={ratio}, k={kernel_size} you get (hidden {hidden}, parameters {got}); recount layer by layer: "
        "W0 and W1 of the MLP, then the spatial convolution.",
        "❌ 当 C={channels}、r={ratio}、k={kernel_size} 时，你的结果是（隐藏宽度 {hidden}，参数量 {got}）；"
        "请逐层重新统计：先是多层感知机的 W0 和 W1，再是空间卷积。",
    ),
    # Chapter 8: an official-order spatial kernel in the paper's order.
    "not_a_function": (
        "❌ Pass the function itself, e.g. `{example}`, not {got}.",
        "❌ 请传入函数本身，例如 `{example}`，而不是 {got}。",
    ),
    "modifies_weight": (
        "❌ Your function changes the weight it was given, in place. Return a new tensor (e.g. with `flip`) and "
        "leave the checkpoint's tensor as it is: the rest of the state_dict, or the official model, may still use it.",
        "❌ 你的函数就地修改了传入的权重。请返回一个新张量（例如用 `flip`），不要改动检查点里的原张量："
        "state_dict 的其余部分或官方模型可能还要用它。",
    ),
    # Chapter 6: the share of a map inside the object's mask.
    "modifies_arguments": (
        "❌ Your function changes the maps or masks it was given, in place. Compute new tensors: the same maps "
        "are scored again with other masks.",
        "❌ 你的函数就地修改了传入的注意力图或掩码。请计算新的张量：同一批图还要和别的掩码一起打分。",
    ),
    "pooled_over_batch": (
        "❌ You return one share for the whole batch. Sum over each image's own pixels only (`dim=(1, 2, 3)` for "
        "maps of shape (N, 1, H, W)), so that every image gets its own score, shape (N,).",
        "❌ 你对整批图像只返回了一个占比。请只在每幅图像自己的像素上求和（形状为 (N, 1, H, W) 的图用 `dim=(1, 2, 3)`），"
        "让每幅图像各得一个分数，形状为 (N,)。",
    ),
    "nan_for_zero_map": (
        "❌ A map that is zero everywhere gives NaN (0 / 0). Such a map puts no weight inside the mask: score "
        "it 0, e.g. with `torch.where(total > 0, inside / total, 0)`.",
        "❌ 处处为零的图得到了 NaN（0 / 0）。这样的图在掩码内没有任何权重：请给它 0 分，"
        "例如用 `torch.where(total > 0, inside / total, 0)`。",
    ),
    "not_normalised": (
        "❌ You return the weight inside the mask without dividing by the map's total weight: a map that is "
        "large everywhere would score high. Divide by the sum of the whole map.",
        "❌ 你返回的是掩码内的权重之和，没有除以整张图的总权重：一张处处都很大的图也会得高分。请除以整张图的总和。",
    ),
    "mean_inside": (
        "❌ You divide by the mask's area: that is the mean value inside the object, not the share of the "
        "map's weight. Divide by the map's total weight instead.",
        "❌ 你除以的是掩码的面积：这得到的是物体内的平均值，而不是图的权重所占的比例。请改为除以整张图的总权重。",
    ),
    "share_outside": (
        "❌ You compute the share outside the object (the mask inverted, or 1 minus the share).",
        "❌ 你算的是物体之外的占比（把掩码取反了，或者用 1 减去了占比）。",
    ),
    "order_unchanged": (
        "❌ The kernel comes back unchanged: its first input channel still weighs the max map. Swap the two "
        "input channels (dimension 1).",
        "❌ 卷积核原样返回了：它的第一个输入通道仍然对最大值图加权。请交换两个输入通道（第 1 维）。",
    ),
    "flipped_spatially": (
        "❌ You flipped the kernel in space (its height or width). The two stacked maps are the kernel's input "
        "channels, dimension 1: swap those and leave the 7×7 pattern as it is.",
        "❌ 你把卷积核在空间上翻转了（沿高或宽）。拼接的两张图对应的是卷积核的输入通道，即第 1 维："
        "应当交换这两个通道，7×7 的图案本身保持不变。",
    ),
    "transposed_kernel": (
        "❌ You transposed the kernel's height and width. What differs between the two orders is which input "
        "channel (dimension 1) reads which map.",
        "❌ 你把卷积核的高和宽转置了。两种顺序的区别在于哪个输入通道（第 1 维）读取哪张图。",
    ),
    "mixed_channels": (
        "❌ Both input channels got the same weights (their average): the gate can no longer tell the mean map "
        "from the max map. Swap the channels instead of mixing them.",
        "❌ 两个输入通道得到了相同的权重（二者的平均）：门控再也分不清均值图和最大值图。请交换两个通道，而不是把它们混在一起。",
    ),
    "mlp_counted_twice": (
        "❌ The MLP is shared by the two pooled vectors, so its weights count once, not twice.",
        "❌ 多层感知机由两个池化向量共享，所以它的权重只算一次，不算两次。",
    ),
}

WHAT = {"en": "your {name}", "zh": "`{name}`"}


def current_language(lang: str | None = None) -> str:
    """``lang`` if given, else ``$CBAM_LANG``, else English."""
    lang = lang or os.environ.get("CBAM_LANG", "en")
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}.")
    return lang


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``status`` is passed, not_implemented or mistake; ``code`` names the message."""

    status: str
    code: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __str__(self) -> str:
        return self.message


def verdict(code: str, lang: str, **fields) -> Verdict:
    """The Verdict for message ``code`` in ``lang``, with its placeholders filled."""
    text = MESSAGES[code][0 if lang == "en" else 1]
    status = "passed" if code.startswith("passed") else "not_implemented" if code == "not_implemented" else "mistake"
    fields.setdefault("hint", "")
    return Verdict(status, code, text.format(**fields))
