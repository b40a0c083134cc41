using System.Text.Json;

namespace Ect.Reporting;

/// <summary>Optional fields of the JSON files a run directory holds: a field that is absent or of another kind
/// reads as null, so files written by older versions (or by hand) still produce a report.</summary>
internal static class JsonFields
{
    public static double? Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static int? Integer(JsonElement o, string name) => Number(o, name) is { } d ? (int)d : null;

    /// <summary>A string field; any other non-null value is returned as its JSON text (it is escaped on output).</summary>
    public static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;
}
