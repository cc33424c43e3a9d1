namespace Cluster.Speech.Synthesis;

/// <summary>
/// Sentences the synthetic corpora are spoken from. Short, everyday and distinct, so a small model
/// can learn the pool from a few hours of audio and held-out utterances (other voices, speeds and
/// pitches of the same sentences) measure how well it did.
/// </summary>
public static class SentencePool
{
    public static readonly IReadOnlyList<string> Mandarin =
    [
        "今天天气很好", "我想喝一杯茶", "请把门关上", "这本书很有意思", "我们明天去公园",
        "他每天早上跑步", "你吃饭了吗", "火车马上就要开了", "妈妈在厨房做饭", "我喜欢听音乐",
        "这个问题很简单", "请慢一点说", "外面下雨了", "我的手机没电了", "周末我们去看电影",
        "学校离我家很近", "他是我的好朋友", "请给我一张地图", "这家饭店的菜很好吃", "我们一起学习中文",
        "飞机晚点了", "现在几点了", "我住在台北", "老师正在上课", "这件衣服太贵了",
        "请问洗手间在哪里", "我今天很忙", "小猫在沙发上睡觉", "他会说三种语言", "明天早上八点开会",
        "我们坐地铁去吧", "这条路很安静", "她在图书馆看书", "请把灯打开", "我想买一台电脑",
        "冬天快到了", "孩子们在外面玩", "这个城市很漂亮", "我们需要更多时间", "谢谢你的帮助",
    ];

    public static readonly IReadOnlyList<string> English =
    [
        "the weather is nice today", "please close the door", "i would like a cup of tea", "this book is very interesting",
        "we are going to the park tomorrow", "he runs every morning", "the train is about to leave", "my phone is out of battery",
        "it is raining outside", "please speak a little slower", "the school is close to my home", "she is reading in the library",
        "what time is it now", "the flight has been delayed", "thank you for your help", "let us take the subway",
        "the meeting starts at eight", "the cat is sleeping on the sofa", "this shirt is too expensive", "winter is coming soon",
        "the children are playing outside", "turn on the light please", "i need a new computer", "this road is very quiet",
        "where is the nearest station", "the soup is still hot", "we need more time", "he speaks three languages",
        "the city is beautiful at night", "my brother plays the guitar",
    ];

    /// <summary>The sentences of a language code as the synthesizer names them ("cmn" or "en").</summary>
    public static IReadOnlyList<string> For(string language) => language switch
    {
        "cmn" => Mandarin,
        "en" => English,
        _ => throw new ArgumentException($"no sentence pool for language '{language}' (known: cmn, en)", nameof(language)),
    };
}
