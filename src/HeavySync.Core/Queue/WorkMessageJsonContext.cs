using System.Text.Json;
using System.Text.Json.Serialization;
using HeavySync.State;

namespace HeavySync.Queue;

/// <summary>
/// The wire form's serialiser, generated at build time (no reflection, so a native build can use
/// it): absent members omitted, enums as camel-case names (<c>"copy"</c>, <c>"delete"</c>).
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(CamelCaseEnumConverter<TaskAction>)])]
[JsonSerializable(typeof(WorkMessage))]
internal sealed partial class WorkMessageJsonContext : JsonSerializerContext;

/// <summary>An enum as its camel-case name, read case-insensitively as the reflection-based
/// converter did.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
