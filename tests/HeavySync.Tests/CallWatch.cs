using System.Reflection;
using System.Runtime.ExceptionServices;

namespace HeavySync.Tests;

/// <summary>
/// Forwards every call of an interface to a real implementation and shows each one to
/// <c>onCall</c> first (method and arguments): tests watch what a real state or store is asked,
/// without replacing it.
/// </summary>
public class CallWatch : DispatchProxy
{
    private object inner = null!;
    private Action<MethodInfo, object?[]?> onCall = null!;

    /// <summary>A <typeparamref name="T"/> that calls <paramref name="onCall"/>, then <paramref name="inner"/>.</summary>
    public static T Wrap<T>(T inner, Action<MethodInfo, object?[]?> onCall)
        where T : class
    {
        var proxy = Create<T, CallWatch>();
        var self = (CallWatch)(object)proxy;
        (self.inner, self.onCall) = (inner, onCall);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        onCall(targetMethod!, args);
        try
        {
            return targetMethod!.Invoke(inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
