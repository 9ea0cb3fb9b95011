// The EC2 Query layer (serve/query.h): forms as SDKs send them parsed into typed requests, each
// refusal with its code and the field it names, and the XML answers well-formed under xmllint
// whatever text they carry.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "tests/fuzz/xml_check.h"
#include "model/types.h"
#include "serve/query.h"

using namespace idem::serve;
using idem::test::xml_problem;
using idem::test::xml_text;

namespace {

using Field = std::pair<std::string, std::string>;

// The real AWS CLI body of `aws ec2 run-instances --client-token abc --tag-specifications ...`.
constexpr std::string_view kCliRun =
    "Action=RunInstances&Version=2016-11-15&ImageId=ami-12345678&MinCount=1&MaxCount=1&ClientToken=abc"
    "&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=idemsim%3Aintent"
    "&TagSpecification.1.Tag.1.Value=launch-1";
constexpr std::string_view kRun = "Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1";

Form form(std::string_view body) {
  auto f = parse_form(body);
  if (const auto* e = std::get_if<WireError>(&f)) {
    ADD_FAILURE() << body << ": " << e->code << ": " << e->message;
    return {};
  }
  return std::get<Form>(f);
}

Ec2Request request(std::string_view body) {
  auto r = parse_request(form(body));
  if (const auto* e = std::get_if<WireError>(&r)) {
    ADD_FAILURE() << body << ": " << e->code << ": " << e->message;
    return {};
  }
  return std::get<Ec2Request>(r);
}

// What the layer answers a body it refuses, by parse_form or parse_request.
WireError refused(std::string_view body) {
  auto f = parse_form(body);
  if (auto* e = std::get_if<WireError>(&f)) return *e;
  auto r = parse_request(std::get<Form>(f));
  if (auto* e = std::get_if<WireError>(&r)) return *e;
  ADD_FAILURE() << body << ": parsed";
  return {};
}

#define EXPECT_REFUSED(body, want_code, ...)                                              \
  do {                                                                                    \
    const WireError e_ = refused(body);                                                   \
    EXPECT_EQ(e_.status, 400) << (body);                                                  \
    EXPECT_EQ(e_.code, want_code) << (body) << ": " << e_.message;                        \
    for (const std::string& part : std::initializer_list<std::string>{__VA_ARGS__})     \
      EXPECT_NE(e_.message.find(part), std::string::npos) << (body) << ": " << e_.message \
                                                          << " does not say " << part;    \
  } while (0)

// Whether xmllint reads `doc` as well-formed XML. The document goes on xmllint's standard input: ctest
// runs each test in its own process, two at a time, and a file name shared between them raced.
bool xmllint_accepts(const std::string& doc) {
  FILE* pipe = ::popen("xmllint --noout - 2>/dev/null", "w");
  if (pipe == nullptr) return false;
  const bool written = std::fwrite(doc.data(), 1, doc.size(), pipe) == doc.size();
  const int rc = ::pclose(pipe);
  return written && rc == 0;
}

// Well-formed by xmllint and by the fuzz target's own check, which must agree.
#define EXPECT_WELL_FORMED(doc)                        \
  do {                                                 \
    EXPECT_TRUE(xmllint_accepts(doc)) << (doc);        \
    EXPECT_EQ(xml_problem(doc), "") << (doc);          \
  } while (0)

// Markup, a NUL, bytes that are not UTF-8, an overlong form, CR LF tab, the end of a CDATA section,
// C0 and C1 controls.
const std::string kHostile = std::string("<&>\"' \x00 \xff\xfe \xc0\xaf \r\n\t", 17) + "]]> \x01\x1b \xc2\x85 end";

}  // namespace

TEST(QueryForm, PlusIsASpaceAndAnEscapeIsAByteInEitherCase) {
  const Form f = form("a=b+c%3a%3A%e2%82%AC&%41%2b=%25");
  ASSERT_EQ(f.fields.size(), 2u);
  EXPECT_EQ(f.fields[0], Field("a", "b c::\xe2\x82\xac"));
  EXPECT_EQ(f.fields[1], Field("A+", "%"));
}

TEST(QueryForm, EmptySegmentsAreSkippedAndANameAloneHasAnEmptyValue) {
  const Form f = form("&&Version&a=1&&=x&a=2&b=c=d&");
  ASSERT_EQ(f.fields.size(), 5u);
  EXPECT_EQ(f.fields[0], Field("Version", ""));
  EXPECT_EQ(f.fields[2], Field("", "x"));
  EXPECT_EQ(f.fields[4], Field("b", "c=d"));
  // A name given twice is kept twice, in order; get() gives the first.
  ASSERT_NE(f.get("a"), nullptr);
  EXPECT_EQ(*f.get("a"), "1");
  EXPECT_EQ(f.get("missing"), nullptr);
  EXPECT_TRUE(form("").fields.empty());
}

TEST(QueryForm, ABadEscapeIsMalformedAndNamesItsOffset) {
  EXPECT_REFUSED("%", "MalformedQueryString", "byte 0", "'%'");
  EXPECT_REFUSED("a=%G1", "MalformedQueryString", "byte 2", "'%G1'");
  EXPECT_REFUSED("a=b%4", "MalformedQueryString", "byte 3", "'%4'");
  EXPECT_REFUSED("x=1&%zz=2", "MalformedQueryString", "byte 4");
  EXPECT_REFUSED("a=%4&b=1", "MalformedQueryString", "byte 2", "'%4&'");  // the escape ends at the '&'
}

TEST(QueryRequest, TheAwsCliBodyRoundTrips) {
  const Ec2Request r = request(kCliRun);
  EXPECT_EQ(r.action, Action::run_instances);
  EXPECT_EQ(action_name(r.action), "RunInstances");
  EXPECT_EQ(r.version, "2016-11-15");
  EXPECT_EQ(r.image, "ami-12345678");
  EXPECT_EQ(r.min_count, 1);
  EXPECT_EQ(r.max_count, 1);
  EXPECT_EQ(r.instance_type, "m1.small");  // EC2's default
  EXPECT_TRUE(r.has_token);
  EXPECT_EQ(r.token, "abc");
  EXPECT_EQ(r.intent_tag, "launch-1");
  EXPECT_EQ(r.key_name, "");
  EXPECT_EQ(r.zone, "");
  EXPECT_EQ(r.subnet, "");
}

TEST(QueryRequest, EveryRunInstancesFieldIsRead) {
  const Ec2Request r = request(
      "Action=RunInstances&ImageId=ami-1&MinCount=2&MaxCount=00005&InstanceType=t3.micro&KeyName=my+key"
      "&Placement.AvailabilityZone=us-east-1a&SubnetId=subnet-1&Placement.Tenancy=dedicated&DryRun=true"
      "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web"
      "&TagSpecification.2.ResourceType=volume&TagSpecification.2.Tag.3.Value=intent-9"
      "&TagSpecification.2.Tag.3.Key=idemsim%3Aintent");
  EXPECT_EQ(r.min_count, 2);
  EXPECT_EQ(r.max_count, 5);
  EXPECT_EQ(r.instance_type, "t3.micro");
  EXPECT_EQ(r.key_name, "my key");
  EXPECT_EQ(r.zone, "us-east-1a");
  EXPECT_EQ(r.subnet, "subnet-1");
  EXPECT_FALSE(r.has_token);
  EXPECT_EQ(r.intent_tag, "intent-9");  // any resource type, its Value wherever it stands
  EXPECT_EQ(request("Action=RunInstances&ImageId=a&MinCount=1&MaxCount=100000").max_count, 100000);
}

TEST(QueryRequest, OnlyTheExactIntentKeyNamesTheIntent) {
  const std::string run(kRun);
  EXPECT_EQ(request(run + "&TagSpecification.1.Tag.1.Key=Idemsim%3Aintent&TagSpecification.1.Tag.1.Value=x")
                .intent_tag, "");
  EXPECT_EQ(request(run + "&TagSpecification.1.Tag.1.Key=idemsim%3Aintent+&TagSpecification.1.Tag.1.Value=x")
                .intent_tag, "");
  EXPECT_EQ(request(run + "&TagSpecification.1.Tag.1.Key=idemsim%3Aintent").intent_tag, "");  // no Value
  EXPECT_EQ(request(run + "&TagSpecification.1.Tag.1.Key=idemsim%3Aintent&TagSpecification.1.Tag.1.Value=x+y")
                .intent_tag, "x y");
}

TEST(QueryRequest, TokensAreKeptByteForByte) {
  const std::string run(kRun);
  const std::string t65(65, 'x');
  EXPECT_EQ(request(run + "&ClientToken=" + t65).token, t65);
  EXPECT_EQ(request(run + "&ClientToken=t%C3%B6ken").token, "t\xc3\xb6ken");
  EXPECT_EQ(request(run + "&ClientToken=\xe2\x82\xac").token, "\xe2\x82\xac");  // sent unescaped
  EXPECT_EQ(request(run + "&ClientToken=%FF%00a%0D").token, std::string("\xff\0a\r", 4));
  EXPECT_EQ(request(run + "&ClientToken=a%2Bb+c").token, "a+b c");
  // An empty ClientToken is no token (SDKs leave an unset token out).
  const Ec2Request empty = request(run + "&ClientToken=");
  EXPECT_FALSE(empty.has_token);
  EXPECT_EQ(empty.token, "");
}

TEST(QueryRequest, AnActionIsRequiredAndKnown) {
  EXPECT_REFUSED("ImageId=ami-1", "MissingAction", "Action", "RunInstances");
  EXPECT_REFUSED("Action=&ImageId=ami-1", "MissingAction", "Action");
  EXPECT_REFUSED("Action=RebootInstances", "InvalidAction", "'RebootInstances'", "RunInstances",
                 "DescribeInstances", "TerminateInstances");
  EXPECT_REFUSED("Action=runinstances", "InvalidAction", "'runinstances'");
}

TEST(QueryRequest, RunInstancesRequiresTheImageAndBothCounts) {
  EXPECT_REFUSED("Action=RunInstances&MinCount=1&MaxCount=1", "MissingParameter", "ImageId");
  EXPECT_REFUSED("Action=RunInstances&ImageId=&MinCount=1&MaxCount=1", "MissingParameter", "ImageId",
                 "given empty");
  EXPECT_REFUSED("Action=RunInstances&ImageId=a&MaxCount=1", "MissingParameter", "MinCount");
  EXPECT_REFUSED("Action=RunInstances&ImageId=a&MinCount=1", "MissingParameter", "MaxCount");
}

TEST(QueryRequest, CountsAreWholeNumbersInRange) {
  for (const char* bad : {"0", "100001", "abc", "-1", "+1", "1.5", "%201", "1e3", "99999999999999999999"}) {
    const std::string v(bad);
    EXPECT_REFUSED("Action=RunInstances&ImageId=a&MinCount=" + v + "&MaxCount=1", "InvalidParameterValue",
                   "MinCount", "1 to 100000");
    EXPECT_REFUSED("Action=RunInstances&ImageId=a&MinCount=1&MaxCount=" + v, "InvalidParameterValue", "MaxCount",
                   "1 to 100000");
  }
  EXPECT_REFUSED("Action=RunInstances&ImageId=a&MinCount=3&MaxCount=2", "InvalidParameterValue", "MinCount (3)",
                 "MaxCount (2)");
}

TEST(QueryRequest, AParameterGivenTwiceIsRefused) {
  EXPECT_REFUSED(std::string(kRun) + "&ImageId=ami-2", "InvalidParameterValue", "'ImageId'", "more than once");
  EXPECT_REFUSED(std::string(kRun) + "&ClientToken=a&ClientToken=a", "InvalidParameterValue", "'ClientToken'");
  EXPECT_REFUSED("Action=RunInstances&Action=RunInstances", "InvalidParameterValue", "'Action'");
  // Parameters idemsim does not read are ignored, but not given twice either.
  EXPECT_REFUSED(std::string(kRun) + "&DryRun=1&DryRun=1", "InvalidParameterValue", "'DryRun'");
}

TEST(QueryRequest, InstanceIdsAreKeptInTheirOrder) {
  const Ec2Request r = request("Action=DescribeInstances&InstanceId.2=i-b&InstanceId.1=i-a&InstanceId.3=i-c");
  EXPECT_EQ(r.action, Action::describe_instances);
  EXPECT_EQ(r.instance_ids, (std::vector<std::string>{"i-a", "i-b", "i-c"}));
  EXPECT_FALSE(r.has_token_filter);
  EXPECT_TRUE(request("Action=DescribeInstances").instance_ids.empty());
  const Ec2Request t = request("Action=TerminateInstances&InstanceId.1=i-0000000000000002a");
  EXPECT_EQ(t.action, Action::terminate_instances);
  EXPECT_EQ(t.instance_ids, std::vector<std::string>{"i-0000000000000002a"});
}

TEST(QueryRequest, AListIsNumberedFromOneWithoutAGapUpToAThousand) {
  EXPECT_REFUSED("Action=DescribeInstances&InstanceId.1=i-a&InstanceId.3=i-c", "InvalidParameterValue",
                 "InstanceId.2 is missing", "InstanceId.3 was given");
  EXPECT_REFUSED("Action=TerminateInstances&InstanceId.2=i-b", "InvalidParameterValue", "InstanceId.1 is missing");
  for (const char* bad : {"InstanceId.0", "InstanceId.01", "InstanceId.1001", "InstanceId.x", "InstanceId.1.a",
                          "InstanceId.", "InstanceId.-1"})
    EXPECT_REFUSED("Action=DescribeInstances&" + std::string(bad) + "=i-a", "InvalidParameterValue",
                   "'" + std::string(bad) + "'", "InstanceId.N", "1 to 1000");
  std::string thousand = "Action=TerminateInstances";
  for (int n = 1; n <= 1000; ++n) thousand += "&InstanceId." + std::to_string(n) + "=i-" + std::to_string(n);
  EXPECT_EQ(request(thousand).instance_ids.size(), 1000u);
  EXPECT_REFUSED(thousand + "&InstanceId.1001=i-x", "InvalidParameterValue", "'InstanceId.1001'");
}

TEST(QueryRequest, TerminateInstancesNeedsAnInstance) {
  EXPECT_REFUSED("Action=TerminateInstances", "MissingParameter", "InstanceId.1");
  EXPECT_REFUSED("Action=TerminateInstances&InstanceId=i-a", "MissingParameter", "InstanceId.1");
}

TEST(QueryRequest, DescribeFiltersByTokenAndByState) {
  const Ec2Request r = request(
      "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.2=running"
      "&Filter.1.Value.1=pending&Filter.2.Name=client-token&Filter.2.Value.1=abc&Filter.2.Value.2=t%C3%B6ken"
      "&Filter.2.Value.3=&MaxResults=5&NextToken=page-2");
  EXPECT_TRUE(r.has_token_filter);
  EXPECT_EQ(r.client_tokens, (std::vector<std::string>{"abc", "t\xc3\xb6ken", ""}));
  EXPECT_EQ(r.state_names, (std::vector<std::string>{"pending", "running"}));
  const Ec2Request state_only =
      request("Action=DescribeInstances&Filter.1.Name=instance-state-name&Filter.1.Value.1=running");
  EXPECT_FALSE(state_only.has_token_filter);
  EXPECT_TRUE(state_only.client_tokens.empty());
}

TEST(QueryRequest, FiltersAreSupportedWhole) {
  const std::string d = "Action=DescribeInstances&";
  const WireError e = refused(d + "Filter.1.Name=tag%3AName&Filter.1.Value.1=web");
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_EQ(e.message,
            "The filter 'tag:Name' is not supported by idemsim serve; supported: client-token, instance-state-name");
  EXPECT_REFUSED(d + "Filter.1.Value.1=abc", "MissingParameter", "Filter.1.Name");
  EXPECT_REFUSED(d + "Filter.1.Name=client-token", "MissingParameter", "Filter.1.Value.1");
  EXPECT_REFUSED(d + "Filter.2.Name=client-token&Filter.2.Value.1=a", "InvalidParameterValue",
                 "Filter.1 is missing", "Filter.2 was given");
  EXPECT_REFUSED(d + "Filter.1.Name=client-token&Filter.1.Value.1=a&Filter.1.Value.3=c", "InvalidParameterValue",
                 "Filter.1.Value.2 is missing");
  EXPECT_REFUSED(d + "Filter.1.Name=client-token&Filter.1.Value.1=a&Filter.2.Name=client-token&Filter.2.Value.1=b",
                 "InvalidParameterValue", "'client-token' is given twice", "Filter.1 and Filter.2");
  for (const char* bad : {"Filter.1.Values.1", "Filter.1.Value", "Filter.1.Value.0", "Filter.01.Name", "Filter.1"})
    EXPECT_REFUSED(d + "Filter.1.Name=client-token&Filter.1.Value.1=a&" + bad + "=b", "InvalidParameterValue",
                   "'" + std::string(bad) + "'", "Filter.N.Name or Filter.N.Value.M");
}

TEST(QueryRequest, EachActionReadsOnlyItsOwnParameters) {
  // A launch ignores ids and filters, a termination filters; ImageId means nothing to DescribeInstances.
  EXPECT_TRUE(request(std::string(kRun) + "&InstanceId.3=x&Filter.1.Name=owner-id").instance_ids.empty());
  EXPECT_TRUE(request("Action=TerminateInstances&InstanceId.1=i-a&Filter.1.Name=owner-id").client_tokens.empty());
  EXPECT_EQ(request("Action=DescribeInstances&ImageId=a&MinCount=x").image, "");
}

TEST(QueryInstanceId, TheModelsNamesParseBackAndNothingElseDoes) {
  for (uint32_t n : {1u, 42u, 0xabcdefu, 0xffffffffu})
    EXPECT_EQ(parse_instance_id(idem::model::instance_name(n)), n) << idem::model::instance_name(n);
  EXPECT_EQ(parse_instance_id("i-0000000000000002a"), 42u);
  for (const char* bad : {"", "i-", "i-2a", "i-000000000000002a", "i-00000000000000002a", "i-0000000000000002A",
                          "r-0000000000000002a", "I-0000000000000002a", "i-0000000000000002g",
                          "i-00000000100000000", "i-fffffffffffffffff", " i-0000000000000002a"})
    EXPECT_EQ(parse_instance_id(bad), 0u) << bad;
}

TEST(QueryXml, EscapingKeepsTextAndReplacesWhatXmlCannotHold) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape("t\xc3\xb6ken \xe2\x82\xac \xf0\x9f\x98\x80\t\n"), "t\xc3\xb6ken \xe2\x82\xac \xf0\x9f\x98\x80\t\n");
  EXPECT_EQ(xml_escape("a\rb"), "a&#13;b");  // a raw CR would read back as LF
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(xml_escape(std::string("a\0b", 3)), "a" + r + "b");
  EXPECT_EQ(xml_escape("\x01\x1f\x7f"), r + r + r);
  EXPECT_EQ(xml_escape("\xc2\x85"), r);             // C1 control, one character
  EXPECT_EQ(xml_escape("\xff\xfe"), r + r);         // not UTF-8, byte by byte
  EXPECT_EQ(xml_escape("\xc0\xaf"), r + r);         // overlong '/'
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), r + r + r);  // a surrogate
  EXPECT_EQ(xml_escape("\xe2\x82"), r + r);         // cut short
  EXPECT_EQ(xml_escape("\xef\xbf\xbe"), r);         // U+FFFE, not an XML character
  EXPECT_EQ(xml_escape("\xf4\x90\x80\x80"), r + r + r + r);  // past U+10FFFF
}

TEST(QueryXml, TheErrorHasTheShapeSdksRead) {
  EXPECT_EQ(error_xml("req-1", "MissingParameter", "The request must contain the parameter ImageId"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>MissingParameter</Code>"
            "<Message>The request must contain the parameter ImageId</Message></Error></Errors>"
            "<RequestID>req-1</RequestID></Response>");
  const std::string hostile = error_xml(kHostile, "InvalidAction", kHostile);
  EXPECT_WELL_FORMED(hostile);
  EXPECT_EQ(xml_text(hostile, "Code"), "InvalidAction");
  // An error that quotes what it was sent stays well-formed.
  const WireError e = refused("Action=%3C%2FMessage%3E%00%FF");
  EXPECT_WELL_FORMED(error_xml("r", e.code, e.message));
  EXPECT_EQ(xml_text(error_xml("r", e.code, e.message), "Message").substr(0, 22), "The action '</Message>");
}

namespace {
InstanceXml instance(const std::string& text) {
  return {"i-0000000000000002a", "ami-" + text, "m5.large", "key " + text, 16, "running", "us-east-1a",
          "subnet-" + text, text, "2026-12-07T10:00:00.000Z", 1};
}
}  // namespace

TEST(QueryXml, RunInstancesAnswersEveryField) {
  const ReservationXml r{"r-00000000000000007", "123456789012", {instance("abc")}};
  const std::string doc = run_instances_xml("req-1", r);
  EXPECT_WELL_FORMED(doc);
  EXPECT_NE(doc.find("<RunInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"), std::string::npos);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"requestId", "req-1"}, {"reservationId", "r-00000000000000007"}, {"ownerId", "123456789012"},
           {"instanceId", "i-0000000000000002a"}, {"imageId", "ami-abc"}, {"code", "16"}, {"name", "running"},
           {"keyName", "key abc"}, {"amiLaunchIndex", "1"}, {"instanceType", "m5.large"},
           {"launchTime", "2026-12-07T10:00:00.000Z"}, {"availabilityZone", "us-east-1a"}, {"tenancy", "default"},
           {"subnetId", "subnet-abc"}, {"clientToken", "abc"}, {"state", "disabled"}})
    EXPECT_EQ(xml_text(doc, name), text) << name;
  for (const char* empty : {"<groupSet></groupSet>", "<privateDnsName></privateDnsName>", "<dnsName></dnsName>"})
    EXPECT_NE(doc.find(empty), std::string::npos) << empty;
  // Without a key, a subnet or a token, their elements are left out.
  InstanceXml bare = instance("abc");
  bare.key_name = bare.subnet = bare.token = "";
  const std::string without = run_instances_xml("req-1", {"r-1", "1", {bare}});
  EXPECT_WELL_FORMED(without);
  for (const char* gone : {"<keyName>", "<subnetId>", "<clientToken>"}) EXPECT_EQ(without.find(gone), std::string::npos);
}

TEST(QueryXml, HostileTextStaysWellFormedAndReadsBack) {
  const ReservationXml r{kHostile, kHostile, {instance(kHostile), instance("")}};
  const std::string run = run_instances_xml(kHostile, r);
  EXPECT_WELL_FORMED(run);
  const std::string u = "\xef\xbf\xbd";
  const std::string read_back = "<&>\"' " + u + " " + u + u + " " + u + u + " \r\n\t]]> " + u + u + " " + u + " end";
  EXPECT_EQ(xml_text(run, "clientToken"), read_back);
  EXPECT_EQ(xml_text(run, "requestId"), read_back);
  EXPECT_WELL_FORMED(describe_instances_xml(kHostile, {r, r}));
  EXPECT_WELL_FORMED(terminate_instances_xml(kHostile, {{kHostile, 32, 16, kHostile, kHostile}}));
}

TEST(QueryXml, DescribeAndTerminateAnswers) {
  const ReservationXml a{"r-1", "123456789012", {instance("a"), instance("b")}}, empty{"r-2", "123456789012", {}};
  const std::string described = describe_instances_xml("req-2", {a, empty});
  EXPECT_WELL_FORMED(described);
  EXPECT_NE(described.find("<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                           "<requestId>req-2</requestId><reservationSet><item><reservationId>r-1</reservationId>"
                           "<ownerId>123456789012</ownerId><groupSet></groupSet><instancesSet><item>"),
            std::string::npos)
      << described;
  EXPECT_NE(described.find("<reservationId>r-2</reservationId><ownerId>123456789012</ownerId><groupSet></groupSet>"
                           "<instancesSet></instancesSet></item></reservationSet>"),
            std::string::npos)
      << described;
  EXPECT_WELL_FORMED(describe_instances_xml("req-3", {}));

  const std::string terminated =
      terminate_instances_xml("req-4", {StateChangeXml{"i-1"}, StateChangeXml{"i-2", 48, 48, "terminated", "terminated"}});
  EXPECT_WELL_FORMED(terminated);
  EXPECT_NE(terminated.find("<instancesSet><item><instanceId>i-1</instanceId><currentState><code>32</code>"
                            "<name>shutting-down</name></currentState><previousState><code>16</code><name>running"
                            "</name></previousState></item><item><instanceId>i-2</instanceId><currentState><code>48"
                            "</code><name>terminated</name></currentState>"),
            std::string::npos)
      << terminated;
}

// The fuzz target's invariant is this check; it must fail where xmllint does.
TEST(QueryXml, TheWellFormednessCheckCanFail) {
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  for (const std::string& bad :
       {head + "<a><b></a></b>", head + "<a>x < y</a>", head + "<a>AT&T</a>", head + "<a>\xff</a>",
        head + std::string("<a>\x01</a>"), head + "<a></a><b></b>", head + "<a>", head + "text<a></a>",
        head + "<a x=\"<\"></a>", head + "<a>&#1;</a>"}) {
    EXPECT_NE(xml_problem(bad), "") << bad;
    EXPECT_FALSE(xmllint_accepts(bad)) << bad;
  }
}
