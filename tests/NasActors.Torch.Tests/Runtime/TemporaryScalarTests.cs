using System.Reflection;
using NasActors.Torch.Runtime;
using TorchSharp;

namespace NasActors.Torch.Tests.Runtime;

/// <summary>Guards the rule of <c>Runtime/Scalars.cs</c>: no code of the Torch library makes a Scalar that only the
/// finalizer frees, neither by an implicit conversion of its own nor by calling a TorchSharp method that does one inside
/// (<c>add(Tensor)</c>, <c>square()</c>, ...). Found by reading the IL, so it covers paths no test runs.</summary>
public sealed class TemporaryScalarTests
{
    const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void The_Torch_library_should_make_no_temporary_scalar()
    {
        var torchSharp = Calls(typeof(Scalar).Assembly).Where(c => IsImplicitScalar(c.Target)).Select(c => c.Caller).ToHashSet();
        Assert.Contains(torchSharp, m => m.DeclaringType == typeof(torch.Tensor) && m.Name == "square");  // the scan sees them
        var offending = Calls(typeof(TorchRuntime).Assembly)
            .Where(c => IsImplicitScalar(c.Target) || torchSharp.Contains(c.Target))
            .Select(c => $"{c.Caller.DeclaringType?.Name}.{c.Caller.Name} calls {c.Target.DeclaringType?.Name}.{c.Target}")
            .Distinct()
            .ToList();
        Assert.True(offending.Count == 0, "temporary scalars (pass one from Runtime/Scalars.cs or a `using` one):\n" + string.Join("\n", offending));
    }

    static bool IsImplicitScalar(MethodBase method) => method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit";

    /// <summary>Every call, callvirt and newobj in the assembly's method bodies. Operand tokens are read at every byte
    /// that could be such an opcode; a token that resolves by chance still has to name one of the methods looked for.</summary>
    static IEnumerable<(MethodBase Caller, MethodBase Target)> Calls(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        foreach (var caller in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            var il = caller.GetMethodBody()?.GetILAsByteArray();
            if (il is null) continue;
            for (var i = 0; i + 4 < il.Length; i++)
            {
                if (il[i] is not (0x28 or 0x6F or 0x73)) continue;
                var token = BitConverter.ToInt32(il, i + 1);
                if ((token >> 24) is not (0x06 or 0x0A or 0x2B)) continue;
                MethodBase? target;
                try
                {
                    target = caller.Module.ResolveMethod(token, type.IsGenericType ? type.GetGenericArguments() : null,
                                                         caller.IsGenericMethod ? caller.GetGenericArguments() : null);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException)
                {
                    continue;  // not a call's operand after all
                }
                if (target is not null) yield return (caller, target);
            }
        }
    }
}
